import { selectBackend, type EventRecord } from '../../../ml';
import { evaluateCut } from '../../../ml/holdout-run';
import { fitIntentModel, intentFeatures, N_INTENT_FEATURES, predictIntent } from '../../../ml/intent';
import { aucGainSe, chooseIntent, intentHalves, intentKindOf, publishedIntent, type CutIntent } from '../../../ml/intent-choice';
import { labelStatus } from '../../../ml/intent-label';
import { fitRfmIntent, rfmLogits } from '../../../ml/intent-rfm';
import { rocAuc } from '../../../ml/metrics';
import { mulberry32 } from '../../../ml/random';
import { buildSnapshot } from '../../../ml/snapshot';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

const buy = (userId: string, itemId: string, ts: number, price: number | null = null): EventRecord => ({
  userId, itemId, type: 'purchase', ts, quantity: 1, price, query: null, dwellMs: null, sessionId: null,
});

/** 30 customers who each buy every week for 12 weeks. */
function everyoneEveryWeek(): EventRecord[] {
  const out: EventRecord[] = [];
  for (let u = 0; u < 30; u++) for (let w = 0; w < 12; w++) out.push(buy(`c${u}`, `i${(u + w) % 9}`, T0 + (7 * w + (u % 7)) * DAY + 3_600_000));
  return out;
}

/** Customers with a personal buying rate (some stop buying half way): who buys next is a matter of recency and frequency. */
function rateShop(users: number, days: number, seed: number, priced: boolean): EventRecord[] {
  const r = mulberry32(seed);
  const out: EventRecord[] = [];
  for (let u = 0; u < users; u++) {
    const rate = 0.005 + r() * r() * 0.12;
    const stop = r() < 0.3 ? Math.floor(r() * days) : days;
    for (let d = 0; d < stop; d++) if (r() < rate) out.push(buy(`u${u}`, `i${Math.floor(r() * 30)}`, T0 + d * DAY + 3_600_000, priced ? 1 + Math.floor(r() * 20) : null));
  }
  return out;
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('degenerate intent label', () => {
  it('everyone buying in every window: the fit is a rule, and the label status says why', async () => {
    const events = everyoneEveryWeek();
    const fit = await fitIntentModel(events, T0 + 84 * DAY, 7);
    expect(fit.model.kind).toBe('heuristic');
    expect(fit.model.rfm).toBeNull();
    expect(fit.model.labelWindows!.length).toBeGreaterThan(3);
    for (const w of fit.model.labelWindows!) expect(w.positives).toBe(w.users);
    const status = labelStatus(fit.model.labelWindows!);
    expect(status).toMatchObject({ state: 'everyone', degenerate: true });
    expect(status.note).toMatch(/every customer bought in every window.*not a learned model/);
    expect(intentKindOf(fit.model)).toBe('rule');
    const choice = chooseIntent([{ model_auc: 0.5, rfm_logistic_auc: null, users: 30, positives: 30 }], fit.model.kind, fit.model.labelWindows!);
    expect(choice).toMatchObject({ served: 'rule', kind: 'rule', evaluable_cuts: 0, model_auc: null });
    const published = publishedIntent(fit.model, { served: choice.served, note: choice.note, windows: [{ users: 30, positives: 30 }] });
    expect(published).toMatchObject({ served: 'rule', kind: 'rule', label: { state: 'everyone' } });
    expect(published.note).toBe(published.label.note);
  });

  it('tells no one buying, too few of one kind, and a learnable label apart', () => {
    expect(labelStatus([{ users: 50, positives: 0 }, { users: 40, positives: 0 }]).state).toBe('no-one');
    expect(labelStatus([{ users: 50, positives: 2 }, { users: 40, positives: 40 }]).state).toBe('thin');
    expect(labelStatus([{ users: 50, positives: 50 }, { users: 40, positives: 10 }])).toMatchObject({ state: 'ok', degenerate: false });
    expect(labelStatus([]).state).toBe('thin');
  });
});

describe('the intent scorer against a logistic regression on RFM features', () => {
  const cuts = (model: number[], rfm: (number | null)[]): CutIntent[] => model.map((m, i) => ({ model_auc: m, rfm_logistic_auc: rfm[i]!, users: 100, positives: 30 }));
  const ok = [{ users: 100, positives: 30 }];

  it('publishes the RFM logistic when its AUC over the cuts beats the learned scorer, even if one cut says otherwise', () => {
    const choice = chooseIntent(cuts([0.74, 0.70, 0.71], [0.72, 0.73, 0.74]), 'logistic', ok);
    expect(choice.served).toBe('rfm_logistic');
    expect(choice.kind).toBe('model');
    expect(choice.model_auc!.mean).toBeCloseTo(0.7166667, 6);
    expect(choice.rfm_logistic_auc).toMatchObject({ min: 0.72, max: 0.74 });
    expect(choice.note).toMatch(/RFM logistic .* beat the learned scorer/);
  });

  it('keeps the learned scorer when it is at least as good, and skips cuts whose window has one class only', () => {
    const c = cuts([0.8, 0.6], [0.7, 0.9]);
    c[1]!.positives = 100;
    const choice = chooseIntent(c, 'blend', ok);
    expect(choice).toMatchObject({ served: 'model', kind: 'model', evaluable_cuts: 1 });
    expect(choice.model_auc!.mean).toBe(0.8);
  });

  it('publishes the simpler RFM logistic when the learned scorer leads by no more than one standard error over the cuts', () => {
    // Lead 0.01 on each of 3 cuts; each cut's standard error 0.02: pooled √(3·0.02²)/3 ≈ 0.0115 > 0.01.
    const noisy = cuts([0.75, 0.74, 0.76], [0.74, 0.73, 0.75]).map((c) => ({ ...c, auc_gain_se: 0.02 }));
    const choice = chooseIntent(noisy, 'mlp', ok);
    expect(choice).toMatchObject({ served: 'rfm_logistic', kind: 'model' });
    expect(choice.gain_se).toBeCloseTo(Math.sqrt(3 * 0.02 ** 2) / 3, 12);
    expect(choice.note).toMatch(/lead over the RFM logistic \(0\.7500 vs 0\.7400 over 3 cuts\) is within one standard error \(0\.0115\)/);
    // Each cut's standard error 0.01: pooled ≈ 0.0058, the lead is clear.
    const clear = chooseIntent(noisy.map((c) => ({ ...c, auc_gain_se: 0.01 })), 'mlp', ok);
    expect(clear.served).toBe('model');
    expect(clear.note).toMatch(/by more than one standard error \(0\.0058\)/);
    // A cut with one buyer is no evidence (infinite standard error); reports without standard errors keep the higher mean.
    expect(chooseIntent(noisy.map((c, i) => ({ ...c, auc_gain_se: i === 0 ? Infinity : 0.001 })), 'mlp', ok).served).toBe('rfm_logistic');
    expect(chooseIntent(cuts([0.75, 0.74, 0.76], [0.74, 0.73, 0.75]), 'mlp', ok).served).toBe('model');
  });

  it('compares both scorers on each half of a cut\'s customers (alternate ones)', () => {
    const model = [0.9, 0.8, 0.7, 0.6, 0.5, 0.4, 0.3, 0.2];
    const rfm = [0.1, 0.8, 0.2, 0.7, 0.3, 0.6, 0.4, 0.5];
    const labels = [1, 0, 1, 1, 0, 1, 0, 0];
    const halves = intentHalves(model, rfm, labels);
    const even = [0, 2, 4, 6];
    const odd = [1, 3, 5, 7];
    const pick = (xs: number[], idx: number[]): number[] => idx.map((t) => xs[t]!);
    const se = (idx: number[]) => aucGainSe(pick(model, idx), pick(rfm, idx), pick(labels, idx));
    expect(halves[0]).toEqual({ model_auc: rocAuc(pick(model, even), pick(labels, even)), rfm_logistic_auc: rocAuc(pick(rfm, even), pick(labels, even)), users: 4, positives: 2, auc_gain_se: se(even) });
    expect(halves[1]).toEqual({ model_auc: rocAuc(pick(model, odd), pick(labels, odd)), rfm_logistic_auc: rocAuc(pick(rfm, odd), pick(labels, odd)), users: 4, positives: 2, auc_gain_se: se(odd) });
    // One scorer ranks this half perfectly, the other perfectly wrong: every buyer's gain is the same, so no spread.
    expect(halves[0].auc_gain_se).toBe(0);
    // The halves differ here: the learned scorer ranks the even half perfectly, the RFM logistic does not.
    expect(halves[0].model_auc).toBe(1);
    expect(halves[0].rfm_logistic_auc).toBe(0);
    expect(intentHalves(model, null, labels)[1].rfm_logistic_auc).toBeNull();
  });

  it('fits monetary only when the shop has prices, and scores through predictIntent once published', async () => {
    const priced = rateShop(400, 200, 5, true);
    const unpriced = rateShop(400, 200, 5, false);
    const asOf = T0 + 170 * DAY;
    const fitP = await fitIntentModel(priced.filter((e) => e.ts < asOf), asOf, 30);
    const fitU = await fitIntentModel(unpriced.filter((e) => e.ts < asOf), asOf, 30);
    expect(fitP.model.rfm!.columns).toEqual([0, 1, 2]);
    expect(fitU.model.rfm!.columns).toEqual([0, 1]);
    const published = publishedIntent(fitU.model, { served: 'rfm_logistic', note: 'RFM won', windows: [] });
    expect(published).toMatchObject({ served: 'rfm_logistic', kind: 'model' });
    expect(published.model.kind).toBe('rfm');
    // The published probabilities order customers exactly as the RFM logistic's own logits do.
    const snap = buildSnapshot(unpriced, asOf);
    const { x } = intentFeatures(snap);
    const p = predictIntent(published.model, x);
    const z = rfmLogits(fitU.model.rfm!, x);
    const order = (v: ArrayLike<number>) => Array.from(v, (_, i) => i).sort((a, b) => v[a]! - v[b]! || a - b);
    expect(order(p)).toEqual(order(z));
    for (const v of p) expect(v > 0 && v < 1).toBe(true);
  });

  it('fitRfmIntent on two columns that carry the label ranks it', () => {
    const rows = 300;
    const r = mulberry32(3);
    const x = new Float32Array(rows * N_INTENT_FEATURES);
    const y = new Float32Array(rows);
    for (let i = 0; i < rows; i++) {
      x[i * N_INTENT_FEATURES] = r() * 4; // log recency
      x[i * N_INTENT_FEATURES + 1] = r() * 3; // log frequency
      y[i] = x[i * N_INTENT_FEATURES + 1]! - x[i * N_INTENT_FEATURES]! + r() > 0 ? 1 : 0;
    }
    const m = fitRfmIntent(x, y, new Float32Array(rows).fill(1), rows, x, y);
    expect(m.columns).toEqual([0, 1]);
    expect(rocAuc(rfmLogits(m, x), y)).toBeGreaterThan(0.85);
  });

  it('on a holdout cut, reports both AUCs and publishes the better one', async () => {
    const events = rateShop(600, 240, 9, true);
    const splitTs = T0 + 200 * DAY;
    const { report } = await evaluateCut(events, { splitTs, k: 10, horizonDays: 30, backend: 'wasm', tune: false, select: false });
    const i = report.intent;
    expect(i.rfm_logistic_auc).not.toBeNull();
    expect(i.model_auc).toBeGreaterThan(0.6);
    expect(i.rfm_logistic_auc!).toBeGreaterThan(0.6);
    // The learned scorer is published only when it leads by more than one standard error of that lead.
    expect(i.auc_gain_se).toBeGreaterThan(0);
    expect(i.served).toBe(i.model_auc - i.rfm_logistic_auc! > i.auc_gain_se! ? 'model' : 'rfm_logistic');
    expect(i.auc).toBe(i.served === 'rfm_logistic' ? i.rfm_logistic_auc : i.model_auc);
    expect(i.auc).toBeGreaterThanOrEqual(i.rfm_logistic_auc!);
    expect(i.label.state).toBe('ok');
    expect(i.test_label.users).toBe(report.counts.intent_users);
    expect(i.halves.map((h) => h.users)).toEqual([Math.ceil(i.test_label.users / 2), Math.floor(i.test_label.users / 2)]);
    expect(i.halves[0].positives + i.halves[1].positives).toBe(i.test_label.positives);
  });
});

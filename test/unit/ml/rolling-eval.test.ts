import { cleanEvents, evaluateRolling, planCuts, planHoldout, selectBackend, type EventRecord } from '../../../ml';
import { mulberry32 } from '../../../ml/random';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

/** Customers with a personal rate and a few staples they rebuy, over `days` days. */
function shop(users: number, days: number, seed: number): EventRecord[] {
  const r = mulberry32(seed);
  const out: EventRecord[] = [];
  for (let u = 0; u < users; u++) {
    const rate = 0.02 + r() * r() * 0.15;
    const staples = [0, 1, 2].map(() => Math.floor(r() * 40));
    for (let d = 0; d < days; d++) {
      if (r() > rate) continue;
      for (let j = 0; j < 2; j++) {
        const item = r() < 0.7 ? staples[j % 3]! : Math.floor(r() * 40);
        out.push({ userId: `u${u}`, itemId: `i${item}`, type: 'purchase', ts: T0 + d * DAY + 3_600_000 * (1 + j), quantity: 1, price: 2, query: null, dwellMs: null, sessionId: `s${u}-${d}` });
      }
    }
  }
  return out;
}

beforeAll(async () => {
  await selectBackend('wasm');
});

describe('rolling-origin evaluation through the production path', () => {
  it('evaluates every cut, chooses on the cuts pooled, and reports each cut and the spread', async () => {
    const events = shop(300, 200, 4);
    const clean = cleanEvents(events);
    const plan = planHoldout(clean, 30);
    const cuts = planCuts(clean, 30, plan, 3);
    expect(cuts.cuts).toHaveLength(3);
    const report = await evaluateRolling(events, cuts, { k: 10, horizonDays: 30, backend: 'wasm', tune: false, protocol: { name: plan.protocol, note: plan.note } });

    const r = report.rolling!;
    expect(r.cut_points).toEqual(cuts.cuts.map((c) => c.label));
    expect(r.cuts.map((c) => c.test_users)).toEqual(cuts.cuts.map((c) => c.testUsers));
    // The report's own figures are the newest cut's; its choices are the pooled ones.
    expect(report.split_ts).toBe(cuts.cuts[0]!.splitTs);
    const sel = report.selection!;
    expect('spread' in sel && sel.cuts).toBe(3);
    if (!('spread' in sel)) throw new Error('not pooled');
    expect(sel.per_cut.map((c) => c.test_users)).toEqual(r.cuts.map((c) => c.test_users));
    expect(sel.test_users).toBe(r.cuts.reduce((s, c) => s + c.test_users, 0));
    const served = sel.spread.for_you[sel.for_you.served]!;
    expect(served.min).toBeLessThanOrEqual(served.mean);
    expect(served.max).toBeGreaterThanOrEqual(served.mean);
    expect(served.mean).toBeCloseTo(sel.for_you.served_value, 12);
    for (const v of Object.values(sel.spread.for_you)) expect(sel.for_you.served_value).toBeGreaterThanOrEqual(v.mean);
    // Intent: both scorers on every cut, the choice on their mean.
    const ic = r.intent;
    expect(ic.evaluable_cuts).toBe(3);
    expect(ic.model_auc!.mean).toBeCloseTo(r.cuts.reduce((s, c) => s + c.intent.model_auc, 0) / 3, 12);
    expect(ic.served).toBe(ic.rfm_logistic_auc!.mean > ic.model_auc!.mean ? 'rfm_logistic' : 'model');
    expect(report.intent.served).toBe(ic.served);
    expect(report.protocol!.note).toMatch(/rolling origin: 3 cuts/);
    // Forward check: the older two cuts choose, the newest judges, with that cut's own figures.
    const fw = r.forward!;
    expect(fw.judged_on).toBe(r.cut_points[0]);
    expect(fw.chosen_on).toEqual(r.cut_points.slice(1));
    // The forward choice's figure is one the spread over the cuts holds (it is the newest cut's).
    const spread = sel.spread.for_you[fw.for_you!.served]!;
    expect(fw.for_you!.value).toBeGreaterThanOrEqual(spread.min - 1e-12);
    expect(fw.for_you!.value).toBeLessThanOrEqual(spread.max + 1e-12);
    expect(fw.for_you!.holds).toBe(fw.for_you!.value >= fw.for_you!.best_baseline.value);
    expect(fw.intent.auc).toBe(fw.intent.served === 'rfm_logistic' ? r.cuts[0]!.intent.rfm_logistic_auc : r.cuts[0]!.intent.model_auc);
  }, 120_000);

  it('with one cut, the forward check judges each list and intent on the half of the customers that did not choose it', async () => {
    const events = shop(300, 200, 5);
    const clean = cleanEvents(events);
    const plan = planHoldout(clean, 30);
    const cuts = planCuts(clean, 30, plan, 1);
    const report = await evaluateRolling(events, cuts, { k: 10, horizonDays: 30, backend: 'wasm', tune: false });
    const sel = report.selection!;
    // The cut's selection keeps every choice's figures on each half; the whole cut's figure lies between them.
    for (const list of ['for_you', 'discover'] as const) {
      const [{ figures: a }, { figures: b }] = sel.halves![list];
      for (const [name, figures] of Object.entries(sel[list].compared)) {
        const v = figures.ndcg_at_10!;
        expect(v).toBeGreaterThanOrEqual(Math.min(a[name]!.ndcg_at_10!, b[name]!.ndcg_at_10!) - 1e-12);
        expect(v).toBeLessThanOrEqual(Math.max(a[name]!.ndcg_at_10!, b[name]!.ndcg_at_10!) + 1e-12);
      }
    }
    const fw = report.rolling!.forward!;
    expect(fw).toMatchObject({ mode: 'customer halves', judged_on: cuts.cuts[0]!.label });
    // Intent too: each half of the cut's customers picks the scorer, the other half's AUCs judge it.
    const halves = report.intent.halves;
    const judged = [0, 1].map((h) => {
      const chosen = halves[h]!.rfm_logistic_auc! > halves[h]!.model_auc ? 'rfm_logistic_auc' : 'model_auc';
      return halves[1 - h]![chosen]!;
    });
    expect(fw.intent.auc).toBeCloseTo((judged[0]! + judged[1]!) / 2, 12);
    expect(fw.intent.rfm_logistic_auc).toBeCloseTo((halves[0].rfm_logistic_auc! + halves[1].rfm_logistic_auc!) / 2, 12);
    expect(fw.intent.holds).toBe(fw.intent.auc! >= fw.intent.rfm_logistic_auc!);
    expect(fw.for_you!.holds).toBe(fw.for_you!.value >= fw.for_you!.best_baseline.value);
    expect(fw.for_you!.served.split(' / ').every((n) => n in sel.for_you.compared)).toBe(true);
  }, 120_000);
});

import {
  CHAMPION_POLICY, deserializeModel, selectBackend, fitChampion, InsufficientDataError, scoreUsers, serializeModel, withPolicy,
  type ChampionModel, type EventRecord, type UserScores,
} from '../../../ml';
import { evaluateProtocol } from '../../../ml/eval/protocol';
import { fitIntentModel, intentFeatures, N_INTENT_FEATURES, predictIntent } from '../../../ml/intent';
import { standardiseRows } from '../../../ml/intent-features';
import type { ListPolicy } from '../../../ml/list-policy';
import { columnStats } from '../../../ml/mlp';
import { rocAuc } from '../../../ml/metrics';
import { buildSnapshot, buyersInWindow } from '../../../ml/snapshot';
import { mulberry32 } from '../../../ml/random';

const DAY = 86_400_000;
const T0 = Date.UTC(2010, 11, 1);

beforeAll(async () => {
  // wasm is what production runs here, and it keeps these end-to-end fits to seconds.
  await selectBackend('wasm');
});

function buy(userId: string, itemId: string, ts: number, sessionId: string): EventRecord {
  return { userId, itemId, type: 'purchase', ts, quantity: 2, price: 1.5, query: null, dwellMs: null, sessionId };
}

/**
 * Synthetic shop: each user has a taste (a few favourite items plus a category block) and a personal buying
 * rate; baskets hold 1–5 items. `gap` skips days (e.g. a holiday closure, as in UCI's late December).
 */
function synthShop(users: number, items: number, days: number, seed: number, gap?: [number, number]): EventRecord[] {
  const rand = mulberry32(seed);
  const out: EventRecord[] = [];
  for (let u = 0; u < users; u++) {
    const rate = 0.01 + rand() * rand() * 0.2;
    const block = Math.floor(rand() * Math.max(1, items - 6));
    const favs = [0, 1, 2].map(() => Math.floor(rand() * items));
    for (let d = 0; d < days; d++) {
      if (gap && d >= gap[0] && d < gap[1]) continue;
      if (rand() > rate) continue;
      const n = 1 + Math.floor(rand() * 5);
      for (let j = 0; j < n; j++) {
        const item = rand() < 0.5 ? favs[j % 3]! : block + Math.floor(rand() * 6);
        out.push(buy(`u${u}`, `i${item}`, T0 + d * DAY + 3_600_000 * (1 + j), `s${u}-${d}`));
      }
    }
  }
  return out.sort((a, b) => a.ts - b.ts);
}

function checkLists(scores: UserScores[], k: number, events: readonly EventRecord[], asOf: number): void {
  const bought = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.ts >= asOf || e.itemId === null) continue;
    let s = bought.get(e.userId);
    if (!s) bought.set(e.userId, (s = new Set()));
    s.add(e.itemId);
  }
  for (const s of scores) {
    expect(s.forYou).toHaveLength(k);
    expect(new Set(s.forYou.map((r) => r.itemId)).size).toBe(k);
    expect(new Set(s.discover.map((r) => r.itemId)).size).toBe(s.discover.length);
    const mine = bought.get(s.userId) ?? new Set<string>();
    for (const r of s.discover) expect(mine.has(r.itemId)).toBe(false);
    expect(s.intent).toBeGreaterThan(0);
    expect(s.intent).toBeLessThan(1);
    for (const r of s.forYou) expect(Number.isFinite(r.score)).toBe(true);
  }
}

describe('short histories train and score end to end', () => {
  test('50 users × 30 items over 45 days: full lists, discover never repeats a purchase, intent in (0,1)', async () => {
    const events = synthShop(50, 30, 45, 1);
    const asOf = T0 + 45 * DAY;
    const m = await fitChampion(events, { asOf, k: 10, horizonDays: 30 });
    // 45 days cannot hold two 30-day windows: the shorter windows must be on record.
    expect(m.params.fallbacks?.some((f) => f.includes('-day'))).toBe(true);
    const users = [...new Set(events.map((e) => e.userId)), 'never-seen'];
    const scores = scoreUsers(m, events, users, { k: 10 });
    expect(scores).toHaveLength(users.length);
    checkLists(scores.filter((s) => s.userId !== 'never-seen'), 10, events, asOf);
    const cold = scores.find((s) => s.userId === 'never-seen')!;
    expect(cold.forYou).toHaveLength(10);
    expect(cold.intent).toBeGreaterThan(0);
    expect(cold.intent).toBeLessThan(1);
    const again = scoreUsers(deserializeModel(serializeModel(m)), events, users.slice(0, 5), { k: 10 });
    expect(again.map((s) => s.forYou.map((r) => r.itemId))).toEqual(scores.slice(0, 5).map((s) => s.forYou.map((r) => r.itemId)));
  });

  test('a model serving personal_knn scores the same after its artefact round trip (the customer panel travels with it)', async () => {
    const events = synthShop(50, 30, 45, 1);
    const fitted = await fitChampion(events, { asOf: T0 + 45 * DAY, k: 10, horizonDays: 30 });
    const serve: ListPolicy = { forYou: { methods: ['personal_knn'], excludeBought: false }, discover: { methods: ['personal_knn'], excludeBought: true } };
    const m: ChampionModel = withPolicy(fitted, serve);
    expect(m.params.serve).toEqual(serve);
    // A policy that never reads the panel leaves it out of the artefact.
    const blend: ListPolicy = { forYou: { methods: ['champion', 'personal_ease'], excludeBought: false }, discover: CHAMPION_POLICY.discover };
    expect(withPolicy(fitted, blend).sources.panel).toBeUndefined();
    expect(serializeModel(withPolicy(fitted, blend)).length).toBeLessThan(serializeModel(m).length);
    expect(withPolicy(fitted, { ...blend, discover: { methods: ['champion', 'personal_knn'], excludeBought: true } }).sources.panel).toEqual(fitted.sources.panel);
    const back = deserializeModel(serializeModel(m));
    expect(m.sources.panel!.userIds.length).toBeGreaterThan(0);
    expect(back.sources.panel).toEqual(m.sources.panel);
    const users = [...new Set(events.map((e) => e.userId))].slice(0, 10);
    const lists = (x: ChampionModel): string[][] => scoreUsers(x, events, users, { k: 10 }).flatMap((s) => [s.forYou.map((r) => r.itemId), s.discover.map((r) => r.itemId)]);
    expect(lists(back)).toEqual(lists(m));
    expect(lists(m).every((l) => l.length === 10)).toBe(true);
  });

  test('a 2-month UCI-like slice with a holiday gap: the holdout protocol runs and records its fallbacks', async () => {
    const events = synthShop(200, 80, 60, 2, [23, 35]);
    const lastTs = events.reduce((x, e) => Math.max(x, e.ts), 0);
    const report = await evaluateProtocol(events, { splitTs: lastTs - 30 * DAY, k: 20, horizonDays: 30, backend: 'wasm' });
    expect(report.for_you.recall_at_20).toBeGreaterThan(0);
    expect(report.for_you.ndcg_at_20).toBeGreaterThan(0);
    expect(Number.isFinite(report.discover.recall_new_at_20)).toBe(true);
    expect(report.intent.auc).toBeGreaterThan(0.5);
    expect(report.fallbacks.some((f) => f.startsWith('tuning: skipped'))).toBe(true);
    expect(report.baselines.personal_count?.for_you?.recall_at_20).toBeGreaterThan(0);
    const m = await fitChampion(events, { asOf: lastTs + 1, k: 20, horizonDays: 30 });
    const users = [...new Set(events.map((e) => e.userId))];
    checkLists(scoreUsers(m, events, users, { k: 20 }), 20, events, lastTs + 1);
  });

  test('tiny catalogue and a single user: lists are as long as the catalogue allows, no throw', async () => {
    const events = [
      buy('solo', 'a', T0, 's1'), buy('solo', 'b', T0, 's1'), buy('solo', 'a', T0 + 3 * DAY, 's2'),
      buy('solo', 'c', T0 + 9 * DAY, 's3'),
    ];
    const m = await fitChampion(events, { asOf: T0 + 10 * DAY, k: 5, horizonDays: 30 });
    expect(m.params.fallbacks?.some((f) => f.includes('fixed blend'))).toBe(true);
    const [s] = scoreUsers(m, events, ['solo'], { k: 5 });
    expect(s!.forYou.map((r) => r.itemId).sort()).toEqual(['a', 'b', 'c']);
    expect(s!.discover).toHaveLength(0);
    expect(s!.intent).toBeGreaterThan(0);
    expect(s!.intent).toBeLessThan(1);
  });

  test('intent falls back to the heuristic when no window separates buyers from non-buyers', async () => {
    const events: EventRecord[] = [];
    for (let d = 0; d < 20; d++) for (const u of ['x', 'y']) events.push(buy(u, 'a', T0 + d * DAY, `${u}${d}`));
    const fit = await fitIntentModel(events, T0 + 20 * DAY, 30);
    expect(fit.model.kind).toBe('heuristic');
    expect(fit.fallbacks.some((f) => f.includes('heuristic'))).toBe(true);
  });
});

describe('intent on a full history', () => {
  test('picks scorer and window weighting on the latest window, refits with it, and ranks next month\'s buyers', async () => {
    const events = synthShop(700, 40, 240, 11);
    const asOf = T0 + 210 * DAY;
    const fit = await fitIntentModel(events.filter((e) => e.ts < asOf), asOf, 30);
    const m = fit.model;
    expect(fit.fallbacks).toEqual([]);
    // Every scorer was scored on validation under each weighting, and the chosen one is recorded.
    expect(Object.keys(m.validationAuc!).sort()).toEqual(['blend', 'blend@0.7', 'logistic', 'logistic@0.7', 'mlp', 'mlp@0.7']);
    expect([1, 0.7]).toContain(m.windowDecay);
    const key = m.windowDecay === 1 ? m.kind! : `${m.kind!}@${m.windowDecay!}`;
    // The first candidate that beats the best so far by more than 1e-4 wins, so the winner is within 1e-4 of the top.
    expect(m.validationAuc![key]).toBeGreaterThanOrEqual(Math.max(...Object.values(m.validationAuc!)) - 1e-4);
    // On the month after asOf (never seen), buyers score above non-buyers.
    const snap = buildSnapshot(events, asOf);
    const { users, x } = intentFeatures(snap);
    const p = predictIntent(m, x);
    const buyers = buyersInWindow(events, asOf, asOf + 30 * DAY);
    expect(rocAuc(p, users.map((u) => (buyers.has(snap.userIds[u]!) ? 1 : 0)))).toBeGreaterThan(0.7);
    // The feature scaling was the shop's validation's choice: window-standardised only when it beat raw by > 1e-4.
    const { raw, window } = m.scalingAuc!;
    expect(m.featureScale !== undefined).toBe(window > raw + 1e-4);
    // A standardised model reads rows standardised with the customers at the cut, as each window was with its own.
    const cut = columnStats(x, users.length, N_INTENT_FEATURES);
    if (m.featureScale) expect(Array.from(m.featureScale.mean)).toEqual(Array.from(cut.mean));
    const { featureScale: _scale, ...onRaw } = m;
    expect(Array.from(predictIntent({ ...onRaw, featureScale: cut }, x))).toEqual(Array.from(predictIntent(onRaw, standardiseRows(x, cut))));
  });
});

describe('nothing to learn from', () => {
  test('no purchases, or purchases on a single day, throw InsufficientDataError', async () => {
    const views: EventRecord[] = [0, 1, 2].map((d) => ({ ...buy('u', 'a', T0 + d * DAY, 's'), type: 'view' }));
    await expect(fitChampion(views, { asOf: T0 + 5 * DAY, k: 5, horizonDays: 30 })).rejects.toBeInstanceOf(InsufficientDataError);
    const oneDay = [buy('u', 'a', T0, 's'), buy('v', 'b', T0 + 3_600_000, 't')];
    await expect(fitChampion(oneDay, { asOf: T0 + DAY, k: 5, horizonDays: 30 })).rejects.toBeInstanceOf(InsufficientDataError);
    await expect(evaluateProtocol(oneDay, { splitTs: T0 + DAY, k: 5, horizonDays: 30, backend: 'wasm' }))
      .rejects.toThrow(/distinct day/);
  });
});

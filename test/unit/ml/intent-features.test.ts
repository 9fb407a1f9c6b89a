import { cleanEvents, returnEvents } from '../../../ml/clean';
import { INTENT_FEATURES, intentFeatures, itemMomentum, leadingColumns, N_INTENT_FEATURES, standardiseRows } from '../../../ml/intent-features';
import { buildSnapshot, BASKET_DECAY_DAYS } from '../../../ml/snapshot';
import type { EventRecord } from '../../../ml/types';

const DAY = 86_400_000;
const ANCHOR = Date.UTC(2011, 5, 1);

function ev(userId: string, itemId: string, daysBefore: number, quantity: number, price = 2, hour = 10): EventRecord {
  return {
    userId, itemId, type: 'purchase', ts: ANCHOR - daysBefore * DAY + hour * 3_600_000, quantity, price, query: null,
    dwellMs: null, sessionId: `${userId}-${daysBefore}`,
  };
}

const col = (name: (typeof INTENT_FEATURES)[number]): number => INTENT_FEATURES.indexOf(name);

describe('returns', () => {
  const raw = [ev('a', 'X', 10, 3), ev('a', 'X', 5, -1), ev('a', 'POST', 4, -1), ev('b', 'Y', 2, 1, 0)];

  it('cleaning drops returns and priceless lines; returnEvents keeps only product returns', () => {
    expect(cleanEvents(raw, { excludedItemIds: ['post'] }).map((e) => e.quantity)).toEqual([3]);
    expect(returnEvents(raw, { excludedItemIds: ['post'] }).map((e) => [e.userId, e.itemId])).toEqual([['a', 'X']]);
  });

  it('are counted per user before the anchor and never as purchases', () => {
    const clean = cleanEvents(raw, { excludedItemIds: ['POST'] });
    const returns = [...returnEvents(raw, { excludedItemIds: ['POST'] }), ev('a', 'X', -3, -2)]; // one after the anchor
    const snap = buildSnapshot(clean, ANCHOR, { returns });
    const a = snap.userIndex.get('a')!;
    expect(snap.user.returns[a]).toBe(1);
    expect(snap.user.lastReturnTs[a]).toBe(ANCHOR - 5 * DAY + 10 * 3_600_000);
    expect(snap.user.lines[a]).toBe(1);
    const { users, x } = intentFeatures(snap);
    const r = users.indexOf(a);
    expect(x[r * N_INTENT_FEATURES + col('log_returns')]).toBeCloseTo(Math.log1p(1), 6);
    expect(x[r * N_INTENT_FEATURES + col('log_days_since_return')]).toBeCloseTo(Math.log1p(5 - 10 / 24), 5);
  });
});

describe('kind-of-buyer and rate features', () => {
  // u buys 2 lines on day 10 (same basket) and 1 on day 40, at 06:00 and 18:00 UTC.
  const events = [ev('u', 'A', 40, 11, 3, 6), ev('u', 'A', 10, 1, 1, 18), ev('u', 'B', 10, 3, 0.5, 18)];
  const snap = buildSnapshot(events, ANCHOR);
  const { x } = intentFeatures(snap);
  const f = (name: (typeof INTENT_FEATURES)[number]): number => x[col(name)]!;

  it('averages log quantity, log price and hour over purchase lines', () => {
    expect(f('mean_log_qty')).toBeCloseTo((Math.log1p(11) + Math.log1p(1) + Math.log1p(3)) / 3, 5);
    expect(f('mean_log_price')).toBeCloseTo((Math.log1p(3) + Math.log1p(1) + Math.log1p(0.5)) / 3, 5);
    expect(f('mean_hour')).toBeCloseTo((6 + 18 + 18) / 3, 5);
  });

  it('decays each basket (not each line) by its age at every scale', () => {
    BASKET_DECAY_DAYS.forEach((tau) => {
      const age10 = 10 - 18 / 24;
      const age40 = 40 - 6 / 24;
      expect(f(`log_baskets_decay${tau}`)).toBeCloseTo(Math.log1p(Math.exp(-age10 / tau) + Math.exp(-age40 / tau)), 5);
    });
  });

  it('shares active months over the months since the first purchase', () => {
    // First purchase ~40 days ago: 2 months of history, both with a purchase.
    expect(f('active_share12')).toBeCloseTo(1, 6);
  });

  it('has no missing or non-finite column, and old models read their own prefix', () => {
    expect(x).toHaveLength(N_INTENT_FEATURES);
    for (const v of x) expect(Number.isFinite(v)).toBe(true);
    expect(Array.from(leadingColumns(x, 28))).toEqual(Array.from(x.subarray(0, 28)));
  });
});

describe('item momentum', () => {
  it('is high for items bought lately and low for items that stopped selling', () => {
    // Item "new": 3 buyers in the last 30 days. Item "old": 3 buyers 30–90 days ago, none since.
    const events = ['p', 'q', 'r'].flatMap((u) => [ev(u, 'new', 5, 1), ev(u, 'old', 60, 1)]);
    const snap = buildSnapshot(events, ANCHOR);
    const m = itemMomentum(snap);
    const iNew = snap.itemIndex.get('new')!;
    const iOld = snap.itemIndex.get('old')!;
    expect(m[iNew]).toBeCloseTo(Math.log(4 / 1), 6);
    expect(m[iOld]).toBeCloseTo(Math.log(1 / 2.5), 6);
    // A user's momentum is the line-weighted mean over their items: here one line of each.
    const { x } = intentFeatures(snap);
    expect(x[col('item_momentum')]).toBeCloseTo((m[iNew]! + m[iOld]!) / 2, 5);
  });

  it('takes a given vector (the model\'s) instead of the snapshot\'s own', () => {
    const snap = buildSnapshot([ev('p', 'A', 5, 1)], ANCHOR);
    const { x } = intentFeatures(snap, Float32Array.of(0.25));
    expect(x[col('item_momentum')]).toBeCloseTo(0.25, 6);
  });
});

describe('standardiseRows', () => {
  it('centres and scales each column with the given statistics (a column without spread keeps sd 1)', () => {
    // Two columns, three rows.
    const x = Float32Array.of(1, 5, 3, 5, 5, 5);
    const z = standardiseRows(x, { mean: Float32Array.of(3, 5), std: Float32Array.of(2, 1) });
    expect(Array.from(z)).toEqual([-1, 0, 0, 0, 1, 0]);
    expect(Array.from(x)).toEqual([1, 5, 3, 5, 5, 5]);
  });
});

import { basketKey, planHoldout } from '../../../ml/holdout';
import { personalEaseScorer } from '../../../ml/baselines';
import { topNeighbours } from '../../../ml/ease';
import { itemBlock } from '../../../ml/item-block';
import { LIST_METHODS, UserRanker } from '../../../ml/list-policy';
import { topK } from '../../../ml/topk';
import { buildSnapshot } from '../../../ml/snapshot';
import { fitSources } from '../../../ml/sources';
import type { EventRecord } from '../../../ml/types';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

const buy = (userId: string, itemId: string, day: number): EventRecord => ({
  userId, itemId, type: 'purchase', ts: T0 + day * DAY + 3_600_000, quantity: 1, price: null, query: null, dwellMs: null, sessionId: null,
});

/** `users` customers buying on the days `days(u)` returns (item = u mod 7, so every item is sold before). */
function shop(users: number, days: (u: number) => number[]): EventRecord[] {
  const out: EventRecord[] = [];
  for (let u = 0; u < users; u++) for (const d of days(u)) out.push(buy(`c${u}`, `i${(u + d) % 7}`, d));
  return out;
}

describe('holdout planning', () => {
  it('keeps the last horizon when it holds enough test customers', () => {
    const p = planHoldout(shop(150, (u) => [u % 50, 100 + (u % 20)]), 30);
    expect(p).toMatchObject({ protocol: 'last-horizon', testUsers: 150, testDays: 30 });
    expect(p.splitTs).toBe(T0 + 119 * DAY + 3_600_000 - 30 * DAY);
  });

  it('widens the horizon when the last one holds too few, and says so', () => {
    // 120 customers buy early and again around day 140–170; only 20 of them in the last 30 days (up to day 199).
    const p = planHoldout(shop(120, (u) => [u % 40, u < 20 ? 190 : 140 + (u % 30), ...(u === 0 ? [199] : [])]), 30);
    expect(p.protocol).toBe('widened-horizon');
    expect(p.testDays).toBe(60);
    expect(p.testUsers).toBeGreaterThanOrEqual(100);
    expect(p.note).toMatch(/fewer than 100 test customers; widened to the last 60 days/);
  });

  it('holds out each customer\'s last basket when no horizon holds enough', () => {
    // 110 customers, each with baskets far apart in time: no window of up to 4 horizons holds 100 of them.
    const events = shop(110, (u) => [u, u + 5]);
    const p = planHoldout(events, 7);
    expect(p.protocol).toBe('last-basket');
    expect(p.testUsers).toBe(110);
    expect(p.heldOutBaskets!.get('c3')).toBe(basketKey(buy('c3', 'x', 8)));
    expect(p.note).toMatch(/last basket held out instead/);
  });
});

describe('list policies rank through one code path', () => {
  // Customer a bought X twice and Y once; b bought Y and Z together; c bought X and Z.
  const events = [buy('a', 'X', 1), buy('a', 'X', 2), buy('a', 'Y', 3), buy('b', 'Y', 1), buy('b', 'Z', 1), buy('c', 'X', 2), buy('c', 'Z', 2)];
  const snap = buildSnapshot(events, T0 + 10 * DAY);
  const src = fitSources(snap, { lambda: 1, neighbours: 5 });
  const ranker = new UserRanker(src);
  const names = (l: Int32Array): string[] => Array.from(l, (i) => src.itemIds[i]!);
  const a = snap.userIndex.get('a')!;

  it('personal counts (popularity breaking ties), with or without past buys; popularity; blends', () => {
    ranker.reset(snap, a, null, null);
    expect(names(ranker.top({ methods: ['personal_count'], excludeBought: false }, 3))).toEqual(['X', 'Y', 'Z']);
    expect(names(ranker.top({ methods: ['personal_count'], excludeBought: true }, 3))).toEqual(['Z']);
    expect(names(ranker.top({ methods: ['popularity'], excludeBought: false }, 3))).toEqual(['X', 'Y', 'Z']);
    expect(ranker.hasBought(src.itemIds.indexOf('X'))).toBe(true);
    const blend = names(ranker.top({ methods: ['personal_count', 'ease'], excludeBought: false }, 3));
    expect(new Set(blend)).toEqual(new Set(['X', 'Y', 'Z']));
  });

  it('personal_ease fuses the customer\'s own buys with their EASE neighbours by the shop\'s rebuy share', () => {
    // Of the 7 customer-item baskets, one (a's second X) rebuys: the share the customer's own past fills.
    expect(src.rebuyShare).toBeCloseTo(1 / 7, 6);
    const fused = (share: number): UserRanker => {
      const r = new UserRanker({ ...src, rebuyShare: share });
      r.reset(snap, a, null, null);
      return r;
    };
    // All weight on the own past: X (bought twice) before Y, then what a never bought.
    expect(names(fused(1).top({ methods: ['personal_ease'], excludeBought: false }, 3))).toEqual(['X', 'Y', 'Z']);
    // No weight on it: the order of the EASE votes a's decayed buys cast (positive ones), popularity below them.
    const votes = new Map<number, number>();
    for (let p = snap.rowStart[a]!; p < snap.rowStart[a + 1]!; p++) {
      for (let r = 0; r < src.ease.width; r++) {
        const j = src.ease.index[snap.item[p]! * src.ease.width + r]!;
        if (j >= 0) votes.set(j, (votes.get(j) ?? 0) + snap.decLong[p]! * src.ease.weight[snap.item[p]! * src.ease.width + r]!);
      }
    }
    const byVotes = [...votes].filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1] || x[0] - y[0]).map(([j]) => src.itemIds[j]!);
    expect(byVotes.length).toBeGreaterThan(0);
    expect(names(fused(0).top({ methods: ['personal_ease'], excludeBought: false }, byVotes.length))).toEqual(byVotes);
    // Discover leaves out what a bought, under the fusion as under every method.
    expect(names(fused(0.5).top({ methods: ['personal_ease'], excludeBought: true }, 3))).toEqual(['Z']);
  });

  it('personal_knn fuses the customer\'s own buys with what the most similar recent customers buy', () => {
    const fused = (share: number): UserRanker => {
      const r = new UserRanker({ ...src, rebuyShare: share });
      r.reset(snap, a, null, null);
      return r;
    };
    expect(src.panel?.userIds.length).toBe(3);
    expect(names(fused(1).top({ methods: ['personal_knn'], excludeBought: false }, 3))).toEqual(['X', 'Y', 'Z']);
    // No weight on the own past: b (Y, Z) and c (X, Z) are a's neighbours, each with shares of ½: Z gets both.
    expect(names(fused(0).top({ methods: ['personal_knn'], excludeBought: false }, 1))).toEqual(['Z']);
    expect(names(fused(0.5).top({ methods: ['personal_knn'], excludeBought: true }, 3))).toEqual(['Z']);
    // A model from before the panel existed: the own half only.
    const old = new UserRanker({ ...src, panel: undefined, rebuyShare: 0.5 });
    old.reset(snap, a, null, null);
    expect(names(old.top({ methods: ['personal_knn'], excludeBought: true }, 3))).toEqual(['Z']);
    expect(names(old.top({ methods: ['personal_knn'], excludeBought: false }, 2))).toEqual(['X', 'Y']);
  });

  it('the harness\'s dense personal_ease ranks as production\'s over the sparse neighbours', () => {
    // A dense item-item matrix with positive weights only (zero diagonal): the sparse neighbours keep all of it.
    const n = src.itemIds.length;
    const w = Float32Array.from({ length: n * n }, (_, k) => (Math.floor(k / n) === k % n ? 0 : 0.1 + ((k * 7) % 5) / 10));
    const r = new UserRanker({ ...src, ease: topNeighbours(w, n, n) });
    const dense = personalEaseScorer(snap, w, itemBlock(new Float64Array(n).fill(1), n), src.rebuyShare);
    const out = new Float64Array(n);
    for (const u of snap.userIds.map((_, i) => i)) {
      r.reset(snap, u, null, null);
      dense(u, out);
      expect(Array.from(r.top({ methods: ['personal_ease'], excludeBought: false }, n))).toEqual(Array.from(topK(out, n)));
    }
  });

  it('a customer with no history gets the popular items (cold start) under every method', () => {
    ranker.reset(null, -1, null, null);
    for (const m of LIST_METHODS) {
      expect(ranker.top({ methods: [m], excludeBought: false }, 2)).toHaveLength(2);
    }
  });
});

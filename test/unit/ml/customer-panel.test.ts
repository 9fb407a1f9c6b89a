import { decayedBuys } from '../../../ml/baselines';
import { fitPanel, PanelSearch, type CustomerPanel } from '../../../ml/customer-panel';
import { buildSnapshot } from '../../../ml/snapshot';
import { SparseScores } from '../../../ml/sparse-scores';
import type { EventRecord } from '../../../ml/types';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);
const AS_OF = T0 + 200 * DAY;

const buy = (userId: string, itemId: string, day: number): EventRecord => ({
  userId, itemId, type: 'purchase', ts: T0 + day * DAY, quantity: 1, price: null, query: null, dwellMs: null, sessionId: null,
});

/** 40 customers over 8 items, each buying a few items on a few days; c0–c4 last bought long ago. */
function shop(): EventRecord[] {
  const out: EventRecord[] = [];
  for (let u = 0; u < 40; u++) {
    const last = u < 5 ? 50 : 120 + u;
    for (let t = 0; t < 1 + (u % 4); t++) out.push(buy(`c${u}`, `i${(u * 3 + t * 5) % 8}`, last - 7 * t));
    out.push(buy(`c${u}`, `i${u % 3}`, last));
  }
  return out;
}

describe('customer panel (personal_knn\'s similar customers)', () => {
  const snap = buildSnapshot(shop(), AS_OF);

  it('holds the customers who bought in the window, most recent first, as decayed-buy shares', () => {
    const panel = fitPanel(snap, 100, 90, 0);
    // c0–c4 last bought 150 days before the fit: outside the 90-day window.
    expect(panel.userIds).toHaveLength(35);
    expect(panel.userIds[0]).toBe('c39');
    expect(panel.userIds).not.toContain('c0');
    for (let r = 0; r < panel.userIds.length; r++) {
      const shares = Array.from(panel.share.subarray(panel.rowStart[r], panel.rowStart[r + 1]));
      expect(shares.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 5);
      expect(panel.norm[r]).toBeCloseTo(Math.hypot(...shares), 5);
    }
    // The size cap keeps the most recent.
    expect(fitPanel(snap, 3, 90, 0).userIds).toEqual(['c39', 'c38', 'c37']);
    // Too few in the window: the next most recent buyers fill the panel up to its minimum (c0–c4 last bought on
    // the same day: ties go to the earlier customer).
    expect(fitPanel(snap, 100, 90, 37).userIds.slice(-3)).toEqual(['c5', 'c0', 'c1']);
    expect(fitPanel(snap, 100, 90, 37).userIds).toHaveLength(37);
  });

  /**
   * Brute force: cosine with every other panel row over the (item, row) entries an item lists (the `maxPostings`
   * biggest shares of it over their row's norm, ties to the earlier entry), the k best rows (ties to the earlier row), their mean shares.
   */
  function bruteForce(panel: CustomerPanel, id: string, k: number, maxPostings: number): { voted: number; votes: Float64Array } {
    const { items, weights } = decayedBuys(snap, snap.userIndex.get(id)!);
    const rowOf = (p: number): number => panel.userIds.findIndex((_, r) => p >= panel.rowStart[r]! && p < panel.rowStart[r + 1]!);
    const entries = Array.from(panel.item, (item, p) => ({ item, p, share: panel.share[p]! / panel.norm[rowOf(p)]! }));
    const listed = new Set<number>();
    for (const i of new Set(panel.item)) {
      entries.filter((e) => e.item === i).sort((x, y) => y.share - x.share || x.p - y.p).slice(0, maxPostings).forEach((e) => listed.add(e.p));
    }
    const q = new Map(items.map((i, t) => [i, weights[t]!]));
    const sims = panel.userIds.map((other, r) => {
      let dot = 0;
      for (let p = panel.rowStart[r]!; p < panel.rowStart[r + 1]!; p++) if (listed.has(p)) dot += (q.get(panel.item[p]!) ?? 0) * panel.share[p]!;
      return { r, cos: other === id || dot === 0 ? -1 : dot / panel.norm[r]! };
    }).filter((s) => s.cos > 0).sort((a, b) => b.cos - a.cos || a.r - b.r).slice(0, k);
    const votes = new Float64Array(snap.itemIds.length);
    for (const { r } of sims) for (let p = panel.rowStart[r]!; p < panel.rowStart[r + 1]!; p++) votes[panel.item[p]!]! += (0.5 * panel.share[p]!) / sims.length;
    return { voted: sims.length, votes };
  }

  it('adds the mean shares of the k most similar others (cosine), leaving the customer out', () => {
    const panel = fitPanel(snap, 100, 90, 0);
    for (const maxPostings of [1000, 2]) {
      const search = new PanelSearch(panel, snap.itemIds.length, maxPostings);
      for (const id of ['c10', 'c23', 'c2']) {
        const { items, weights } = decayedBuys(snap, snap.userIndex.get(id)!);
        const out = new SparseScores(snap.itemIds.length);
        const voted = search.addNeighbourShares(id, items, weights, out, 0.5, 4);
        const expected = bruteForce(panel, id, 4, maxPostings);
        expect(voted).toBe(expected.voted);
        expect(voted).toBeGreaterThan(0);
        Array.from(expected.votes).forEach((v, i) => expect(out.values[i]).toBeCloseTo(v, 6));
        // Half of the weight: the neighbours' shares each sum to 1, averaged, times the scale.
        expect(Array.from(out.values).reduce((s, v) => s + v, 0)).toBeCloseTo(0.5, 5);
      }
    }
  });

  it('a customer sharing no item with the panel gets no votes', () => {
    const panel = fitPanel(snap, 100, 90, 0);
    const out = new SparseScores(snap.itemIds.length + 1);
    expect(new PanelSearch(panel, snap.itemIds.length + 1).addNeighbourShares('new', [snap.itemIds.length], [1], out, 1)).toBe(0);
    expect(Array.from(out.values).every((v) => v === 0)).toBe(true);
  });
});

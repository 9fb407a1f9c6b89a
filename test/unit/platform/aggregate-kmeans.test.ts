import { aggregateInteractions, computeUserFeatures } from '../../../ml/aggregate';
import { kmeans } from '../../../ml/kmeans';
import type { EventRecord } from '../../../ml/types';

const DAY = 86_400_000;
const ev = (userId: string, itemId: string, type: EventRecord['type'], day: number, quantity = 1, price = 2): EventRecord => ({
  userId,
  itemId,
  type,
  ts: day * DAY,
  quantity,
  price,
  query: null,
  dwellMs: null,
  sessionId: null,
});

describe('aggregation', () => {
  it('counts each event type and decays the weight by age', () => {
    const rows = aggregateInteractions([ev('u', 'a', 'purchase', 10, 3, 2), ev('u', 'a', 'view', 100), ev('u', 'a', 'cart', 100)], { asOf: 100 * DAY, halfLifeDays: 90 });
    expect(rows).toHaveLength(1);
    const r = rows[0]!;
    expect([r.purchases, r.quantity, r.revenue, r.views, r.carts]).toEqual([1, 3, 6, 1, 1]);
    // purchase (weight 1) at 90 days old counts half; view (0.25) and cart (0.5) are fresh
    expect(r.weight).toBeCloseTo(0.5 + 0.25 + 0.5, 6);
  });

  it('computes RFM with orders as distinct purchase instants', () => {
    const [f] = computeUserFeatures([ev('u', 'a', 'purchase', 1), ev('u', 'b', 'purchase', 1), ev('u', 'a', 'purchase', 5, 2, 3), ev('u', 'a', 'view', 8)], 10 * DAY);
    expect(f).toMatchObject({ frequency: 2, purchaseLines: 3, monetary: 2 + 2 + 6, recencyDays: 2, tenureDays: 9, events: 4 });
  });
});

describe('k-means', () => {
  it('separates obvious clusters deterministically', () => {
    const pts = [[0, 0], [0.1, 0], [0, 0.1], [10, 10], [10.1, 10], [10, 10.1]];
    const a = kmeans(pts, 2, { seed: 1 });
    const b = kmeans(pts, 2, { seed: 1 });
    expect(Array.from(a.assignment)).toEqual(Array.from(b.assignment));
    expect(new Set(Array.from(a.assignment).slice(0, 3)).size).toBe(1);
    expect(a.assignment[0]).not.toBe(a.assignment[3]);
  });

  it('starts from given centroids, in their order, and adds the missing ones', () => {
    const pts = [[0, 0], [0.1, 0], [10, 10], [10.1, 10], [20, 0], [20.1, 0]];
    const r = kmeans(pts, 3, { seed: 1, init: [[10, 10], [0, 0]] });
    expect(r.assignment[2]).toBe(0);
    expect(r.assignment[0]).toBe(1);
    expect(r.assignment[4]).toBe(2);
  });
});

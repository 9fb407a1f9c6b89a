import { aggregateInteractions, computeUserFeatures } from '../../../ml/aggregate';
import { kmeans } from '../../../ml/kmeans';
import { segmentCustomers } from '../../../ml/segments';
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

describe('k-means and segments', () => {
  it('separates obvious clusters deterministically', () => {
    const pts = [[0, 0], [0.1, 0], [0, 0.1], [10, 10], [10.1, 10], [10, 10.1]];
    const a = kmeans(pts, 2, { seed: 1 });
    const b = kmeans(pts, 2, { seed: 1 });
    expect(Array.from(a.assignment)).toEqual(Array.from(b.assignment));
    expect(new Set(Array.from(a.assignment).slice(0, 3)).size).toBe(1);
    expect(a.assignment[0]).not.toBe(a.assignment[3]);
  });

  it('labels recent frequent buyers apart from lapsed rare ones and covers every buyer once', () => {
    const features = [
      ...Array.from({ length: 30 }, (_, i) => ({ userId: `champ${i}`, recencyDays: 2 + (i % 3), frequency: 20 + i, monetary: 2000 + i, tenureDays: 300, purchaseLines: 50, events: 50, firstAt: 0, lastAt: 0 })),
      ...Array.from({ length: 30 }, (_, i) => ({ userId: `gone${i}`, recencyDays: 250 + i, frequency: 1, monetary: 20 + i, tenureDays: 260, purchaseLines: 1, events: 1, firstAt: 0, lastAt: 0 })),
    ];
    const segs = segmentCustomers(features, 2);
    expect(segs.map((s) => s.label)).toEqual(['Champions', 'Hibernating']);
    expect(segs.flatMap((s) => s.userIds).sort()).toEqual(features.map((f) => f.userId).sort());
  });
});

describe('segment labels', () => {
  it('are unique, told apart by spend when two clusters share a profile, with URL-safe ids', () => {
    const mk = (prefix: string, n: number, recency: number, frequency: number, monetary: number) =>
      Array.from({ length: n }, (_, i) => ({ userId: `${prefix}${i}`, recencyDays: recency + (i % 2), frequency, monetary: monetary + i, tenureDays: 300, purchaseLines: frequency, events: frequency, firstAt: 0, lastAt: 0 }));
    const features = [...mk('a', 20, 300, 1, 10), ...mk('b', 20, 300, 1, 5000), ...mk('c', 20, 2, 30, 3000)];
    const segs = segmentCustomers(features, 3);
    const labels = segs.map((s) => s.label);
    expect(new Set(labels).size).toBe(3);
    expect(labels).toEqual(expect.arrayContaining(['Hibernating (higher spend)', 'Hibernating (lower spend)']));
    for (const s of segs) expect(s.segmentId).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });
});

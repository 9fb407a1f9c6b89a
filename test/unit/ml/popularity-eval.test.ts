import { figuresByBucket, popularityBuckets, remapNeighbours } from '../../../ml/popularity-eval';

describe('quality by item popularity', () => {
  test('head makes the first 20% of purchases, tail what lies after 80% (and never-bought items), torso between', () => {
    // 100 purchases: item 0 alone passes 20%, items 0–1 reach 80%; ties are ordered by index.
    const b = popularityBuckets(Float32Array.from([10, 50, 3, 30, 0, 5, 2]));
    expect(Array.from(b.bucket)).toEqual([2, 0, 2, 1, 2, 2, 2]);
    expect(b.items).toEqual({ head: 1, torso: 1, tail: 5 });
    expect(b.purchase_share).toEqual({ head: 0.5, torso: 0.3, tail: 0.2 });
    // A flat catalogue: each item is a tenth of the purchases, so two head items, six torso, two tail.
    const flat = popularityBuckets(new Float32Array(10).fill(4));
    expect(flat.items).toEqual({ head: 2, torso: 6, tail: 2 });
  });

  test('each bucket is scored on its own truth items, over the customers who have some', () => {
    const b = popularityBuckets(Float32Array.from([50, 30, 10, 10])); // 0 head, 1 torso, 2–3 tail
    const lists = [Int32Array.from([0, 2]), Int32Array.from([1, 0]), Int32Array.from([0, 1])];
    const relevant = [new Set([0, 3]), new Set([1, 2]), new Set<number>([3])];
    const f = figuresByBucket(lists, relevant, b, 20);
    expect(f.head).toEqual({ users: 1, recall_at_10: 1, recall_at_20: 1, hr_at_10: 1, hr_at_20: 1 });
    expect(f.torso).toEqual({ users: 1, recall_at_10: 1, recall_at_20: 1, hr_at_10: 1, hr_at_20: 1 });
    // Tail truths: {3} (missed), {2} (missed: list [1, 0]), {3} (missed).
    expect(f.tail).toEqual({ users: 3, recall_at_10: 0, recall_at_20: 0, hr_at_10: 0, hr_at_20: 0 });
    // Every truth item: customer 0 finds 0 of {0, 3}, customer 1 finds 1 of {1, 2}, customer 2 nothing.
    expect(f.all).toEqual({ users: 3, recall_at_10: (0.5 + 0.5 + 0) / 3, recall_at_20: (0.5 + 0.5 + 0) / 3, hr_at_10: 2 / 3, hr_at_20: 2 / 3 });
  });

  test('neighbours move to another vocabulary; items it lacks are dropped and the rest close up', () => {
    const nb = { n: 3, width: 2, index: Int32Array.from([1, 2, 0, -1, 1, 0]), weight: Float32Array.from([0.5, 0.4, 0.3, 0, 0.2, 0.1]) };
    const out = remapNeighbours(nb, ['a', 'b', 'c'], new Map([['a', 1], ['c', 0]]), 3);
    // c (now 0) keeps a (now 1); a (now 1) keeps c; b is gone, and so is every vote for it.
    expect(Array.from(out.index)).toEqual([1, -1, 0, -1, -1, -1]);
    expect(Array.from(out.weight)).toEqual([0.1, 0, 0.4, 0, 0, 0].map(Math.fround));
    expect(Array.from(remapNeighbours(nb, ['a', 'b', 'c'], new Map([['a', 0], ['b', 1], ['c', 2]]), 3).index)).toEqual(Array.from(nb.index));
  });
});

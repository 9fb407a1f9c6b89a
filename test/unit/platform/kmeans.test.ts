import { kmeans } from '../../../ml/kmeans';

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

import { cosineFromGram, gramMatrix, topNeighbours, type SparseNeighbours } from '../../../ml/ease';
import { mulberry32 } from '../../../ml/random';
import {
  capRows, CooccurrenceAccumulator, cooccurrenceNeighbours, itemsWithNeighbours, transposeRows,
} from '../../../ml/sparse-neighbours';
import { topK, topKAmong } from '../../../ml/topk';

/** A random customer × item CSR: each customer has 0…maxLen distinct items, popular items (low index) likelier. */
function randomRows(users: number, items: number, maxLen: number, seed: number, weighted: boolean) {
  const r = mulberry32(seed);
  const rowStart = new Int32Array(users + 1);
  const item: number[] = [];
  const value: number[] = [];
  for (let u = 0; u < users; u++) {
    const set = new Set<number>();
    const len = Math.floor(r() * (maxLen + 1));
    for (let t = 0; t < len; t++) set.add(Math.floor(Math.pow(r(), 1.7) * items));
    for (const i of [...set].sort((a, b) => a - b)) {
      item.push(i);
      // Weights on a coarse grid, so equal weights (and ties between items) occur as in real strength data.
      value.push(weighted ? [0.1, 0.25, 0.5, 1][Math.floor(r() * 4)]! : 1);
    }
    rowStart[u + 1] = item.length;
  }
  return { rowStart, item: Int32Array.from(item), value: weighted ? Float32Array.from(value) : null };
}

function expectSame(a: SparseNeighbours, b: SparseNeighbours): void {
  expect(a.n).toBe(b.n);
  expect(a.width).toBe(b.width);
  expect(Array.from(a.index)).toEqual(Array.from(b.index));
  expect(Array.from(a.weight)).toEqual(Array.from(b.weight));
}

describe('sparse co-occurrence neighbours', () => {
  test.each([
    ['binary', false, 1],
    ['weighted', true, 2],
    ['binary, other seed', false, 3],
  ])('equal the dense cosine reference (%s): same top-N indices and float32 weights', (_name, weighted, seed) => {
    const items = 40;
    const m = randomRows(120, items, 9, seed, weighted);
    const dense = topNeighbours(cosineFromGram(gramMatrix(m.rowStart, m.item, m.value, items), items), items, 7);
    const fit = cooccurrenceNeighbours(m.rowStart, m.item, m.value, items, { width: 7, minCount: 1, maxUserItems: 1000 });
    expectSame(fit.neighbours, dense);
    expect(fit.cappedUsers).toBe(0);
    expect(fit.coveredItems).toBe(itemsWithNeighbours(dense));
    // Ties exist in this data (equal counts over equal norms), so the tie order was actually exercised.
    let ties = 0;
    for (let i = 0; i < items; i++) for (let r = 1; r < 7; r++) if (dense.index[i * 7 + r]! >= 0 && dense.weight[i * 7 + r] === dense.weight[i * 7 + r - 1]) ties++;
    expect(ties).toBeGreaterThan(0);
  });

  test('minCount keeps exactly the pairs with that many common customers (the dense reference with the others zeroed)', () => {
    const items = 30;
    const m = randomRows(150, items, 8, 4, false);
    const gram = gramMatrix(m.rowStart, m.item, null, items);
    for (const minCount of [2, 3, 5]) {
      const cos = cosineFromGram(gram, items);
      for (let p = 0; p < items * items; p++) if (gram[p]! < minCount) cos[p] = 0;
      const dense = topNeighbours(cos, items, 6);
      const fit = cooccurrenceNeighbours(m.rowStart, m.item, null, items, { width: 6, minCount, maxUserItems: 1000 });
      expectSame(fit.neighbours, dense);
      for (let i = 0; i < items; i++) {
        for (let r = 0; r < 6; r++) {
          const j = fit.neighbours.index[i * 6 + r]!;
          if (j >= 0) expect(gram[i * items + j]).toBeGreaterThanOrEqual(minCount);
        }
      }
    }
    // A higher minimum leaves fewer items with neighbours, never more.
    const cov = [1, 2, 4, 8].map((mc) => cooccurrenceNeighbours(m.rowStart, m.item, null, items, { width: 6, minCount: mc }).coveredItems);
    for (let t = 1; t < cov.length; t++) expect(cov[t]).toBeLessThanOrEqual(cov[t - 1]!);
    expect(cov[3]).toBeLessThan(cov[0]!);
  });

  test('the accumulator clears through its touched list and gives fresh results when reused', () => {
    const n = 50;
    const acc = new CooccurrenceAccumulator(n);
    const r = mulberry32(9);
    for (let round = 0; round < 20; round++) {
      const expected = new Map<number, { sum: number; count: number }>();
      const adds = 1 + Math.floor(r() * 80);
      for (let t = 0; t < adds; t++) {
        const j = Math.floor(r() * n);
        const v = Math.floor(r() * 4) + 1;
        acc.add(j, v);
        const e = expected.get(j) ?? { sum: 0, count: 0 };
        expected.set(j, { sum: e.sum + v, count: e.count + 1 });
      }
      expect(acc.size).toBe(expected.size);
      expect(new Set(acc.touched.subarray(0, acc.size))).toEqual(new Set(expected.keys()));
      for (let j = 0; j < n; j++) {
        expect(acc.sum[j]).toBe(expected.get(j)?.sum ?? 0);
        expect(acc.count[j]).toBe(expected.get(j)?.count ?? 0);
      }
      acc.clear();
      expect(acc.size).toBe(0);
      expect(acc.sum.every((v) => v === 0)).toBe(true);
      expect(acc.count.every((v) => v === 0)).toBe(true);
      // Its buffers are allocated once, at n entries.
      expect(acc.touched.length).toBe(n);
    }
  });

  test('heavy customers are cut to maxUserItems evenly spaced items, which bounds the work by maxUserItems · nnz', () => {
    const rowStart = Int32Array.from([0, 10, 12, 15]);
    const item = Int32Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 1, 2, 3, 4]);
    const c = capRows(rowStart, item, null, 4);
    expect(c.capped).toBe(1);
    expect(Array.from(c.rowStart)).toEqual([0, 4, 6, 9]);
    expect(Array.from(c.item)).toEqual([0, 2, 5, 7, 0, 1, 2, 3, 4]);
    expect(capRows(rowStart, item, null, 10).item).toBe(item);
    const m = randomRows(200, 60, 30, 5, false);
    const nnz = m.item.length;
    for (const cap of [3, 8, 1000]) {
      const fit = cooccurrenceNeighbours(m.rowStart, m.item, null, 60, { width: 5, maxUserItems: cap });
      let exact = 0;
      for (let u = 0; u < 200; u++) exact += Math.min(cap, m.rowStart[u + 1]! - m.rowStart[u]!) ** 2;
      expect(fit.triples).toBe(exact);
      expect(fit.triples).toBeLessThanOrEqual(cap * nnz);
    }
  });

  test('the transpose lists each item\'s customers in ascending order with their values', () => {
    const rows = { rowStart: Int32Array.from([0, 2, 3, 5]), item: Int32Array.from([1, 2, 0, 1, 2]), value: Float32Array.from([1, 2, 3, 4, 5]) };
    const t = transposeRows(rows, 3);
    expect(Array.from(t.rowStart)).toEqual([0, 1, 3, 5]);
    expect(Array.from(t.item)).toEqual([1, 0, 2, 0, 2]);
    expect(Array.from(t.value!)).toEqual([3, 1, 4, 2, 5]);
  });

  test('topKAmong ranks a candidate subset like topK over the same items', () => {
    const r = mulberry32(3);
    const scores = Float64Array.from({ length: 100 }, () => Math.floor(r() * 10));
    const ids = Int32Array.from([...new Set(Array.from({ length: 60 }, () => Math.floor(r() * 100)))]);
    const exclude = new Uint8Array(100).fill(1);
    for (const i of ids) exclude[i] = 0;
    expect(Array.from(topKAmong(scores, ids, ids.length, 12))).toEqual(Array.from(topK(scores, 12, exclude)));
    expect(Array.from(topKAmong(scores, ids, 5, 12))).toHaveLength(5);
  });
});

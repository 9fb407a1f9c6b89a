import * as tf from '@tensorflow/tfjs';
import { easeFromInverse, easeInverse, easeWeights, gramMatrix, topNeighbours, type SparseNeighbours } from '../../../ml/ease';
import { withTailItems } from '../../../ml/ease-tail';
import { columnSums, itemBlock, liftNeighbours, restrictRows } from '../../../ml/item-block';
import { mulberry32 } from '../../../ml/random';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

/** A random user×item CSR with values (interest strengths), items bought with popularity falling with the index. */
function randomRows(users: number, items: number, seed: number): { rowStart: Int32Array; item: Int32Array; value: Float32Array } {
  const r = mulberry32(seed);
  const rowStart = [0];
  const item: number[] = [];
  const value: number[] = [];
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (r() < 0.6 / (1 + i / 3)) {
        item.push(i);
        value.push(r() < 0.7 ? 1 : 0.3);
      }
    }
    rowStart.push(item.length);
  }
  return { rowStart: Int32Array.from(rowStart), item: Int32Array.from(item), value: Float32Array.from(value) };
}

/** EASE's exact B over the block's items plus item t alone (t last), from a dense fit. */
function exactWithOne(rows: ReturnType<typeof randomRows>, members: number[], lambda: number): Float32Array {
  const toLocal = new Int32Array(64).fill(-1);
  members.forEach((g, l) => (toLocal[g] = l));
  const m = members.length;
  const r = restrictRows(rows.rowStart, rows.item, rows.value, { size: m, toGlobal: Int32Array.from(members), toLocal, whole: false });
  return easeWeights(gramMatrix(r.rowStart, r.item, r.value, m), m, lambda);
}

const weightOf = (nb: SparseNeighbours, i: number, j: number): number => {
  for (let k = 0; k < nb.width; k++) if (nb.index[i * nb.width + k] === j) return nb.weight[i * nb.width + k]!;
  return 0;
};

/** The same lists padded to `width` slots (topNeighbours keeps at most the block's size). */
function widen(nb: SparseNeighbours, width: number): SparseNeighbours {
  if (width <= nb.width) return nb;
  const index = new Int32Array(nb.n * width).fill(-1);
  const weight = new Float32Array(nb.n * width);
  for (let i = 0; i < nb.n; i++) {
    index.set(nb.index.subarray(i * nb.width, (i + 1) * nb.width), i * width);
    weight.set(nb.weight.subarray(i * nb.width, (i + 1) * nb.width), i * width);
  }
  return { n: nb.n, width, index, weight };
}

function fit(rows: ReturnType<typeof randomRows>, n: number, blockSize: number, width: number, lambda: number) {
  const block = itemBlock(columnSums(rows.item, rows.value, n), blockSize);
  const r = restrictRows(rows.rowStart, rows.item, rows.value, block);
  const inverse = easeInverse(gramMatrix(r.rowStart, r.item, r.value, block.size), block.size, lambda);
  const head = widen(liftNeighbours(topNeighbours(easeFromInverse(inverse, block.size), block.size, width), block, n), width);
  return { block, head, nb: withTailItems(head, inverse, block, rows, lambda) };
}

describe('EASE for the items outside the dense block', () => {
  const n = 9;
  const lambda = 2;
  const rows = randomRows(60, n, 11);

  test('each tail item gets exactly the weights of EASE fitted on the block plus that item alone', () => {
    const { block, head, nb } = fit(rows, n, 5, n, lambda);
    const members = Array.from(block.toGlobal);
    let checked = 0;
    for (let t = 0; t < n; t++) {
      if (block.toLocal[t]! >= 0) continue;
      const exact = exactWithOne(rows, [...members, t], lambda);
      const m = members.length + 1;
      members.forEach((g, l) => {
        // head item g votes for t, and t for g: the exact fit's weights where positive (only those are kept)
        const into = exact[l * m + m - 1]!;
        const from = exact[(m - 1) * m + l]!;
        expect(weightOf(nb, g, t)).toBeCloseTo(into > 0 ? into : 0, 4);
        expect(weightOf(nb, t, g)).toBeCloseTo(from > 0 ? from : 0, 4);
        if (into > 0) checked++;
      });
      // tail items never vote for each other
      for (let k = 0; k < nb.width; k++) {
        const j = nb.index[t * nb.width + k]!;
        if (j >= 0) expect(block.toLocal[j]!).toBeGreaterThanOrEqual(0);
      }
    }
    expect(checked).toBeGreaterThan(5);
    // the head's own weights among themselves are the block's fit, unchanged
    for (const g of members) for (const j of members) expect(weightOf(nb, g, j)).toBe(weightOf(head, g, j));
  });

  test('a full row keeps its strongest weights, head and tail alike, best first', () => {
    const width = 2;
    const wide = fit(rows, n, 5, n, lambda).nb;
    const { block, nb } = fit(rows, n, 5, width, lambda);
    for (const g of block.toGlobal) {
      const all = Array.from({ length: n }, (_, j) => weightOf(wide, g, j)).filter((v) => v > 0).sort((a, b) => b - a);
      const kept = Array.from(nb.weight.subarray(g * width, (g + 1) * width)).filter((_, k) => nb.index[g * width + k]! >= 0);
      expect(kept.length).toBe(Math.min(width, all.length));
      kept.forEach((v, k) => expect(v).toBeCloseTo(all[k]!, 5));
    }
  });

  test('a whole catalogue in the block is returned as it is; a tail item no block buyer shares gets nothing', () => {
    const whole = fit(rows, n, n, 4, lambda);
    expect(whole.nb).toBe(whole.head);
    // item 9 is bought only by a customer who bought nothing else
    const lonely = { rowStart: Int32Array.from([...rows.rowStart, rows.item.length + 1]), item: Int32Array.from([...rows.item, 9]), value: Float32Array.from([...rows.value, 1]) };
    const { nb } = fit(lonely, n + 1, 5, 4, lambda);
    expect(Array.from(nb.index.subarray(9 * 4, 10 * 4))).toEqual([-1, -1, -1, -1]);
    for (let i = 0; i < n; i++) expect(weightOf(nb, i, 9)).toBe(0);
  });
});

import { selectBackend } from '../../../ml/backend';
import { DotTopK, TOPK_TILE, dotScoresJs, rowTopK } from '../../../ml/dot-topk';
import { mulberry32 } from '../../../ml/random';

/**
 * Small integer vectors: every dot product is exact in float32 whatever the summation order (so both engines
 * and the brute force agree to the bit), and many scores tie, which exercises the tie rule.
 */
function intMatrix(rows: number, d: number, rand: () => number): Float32Array {
  return Float32Array.from({ length: rows * d }, () => Math.floor(rand() * 5) - 2);
}

/** Brute force: every item's score, sorted best first (ties: lower index first), the first k. */
function bruteTopK(u: Float32Array, r: number, items: Float32Array, nItems: number, d: number, k: number): { items: number[]; scores: number[] } {
  const scored = Array.from({ length: nItems }, (_, j) => {
    let s = 0;
    for (let t = 0; t < d; t++) s += u[r * d + t]! * items[j * d + t]!;
    return { j, s };
  });
  scored.sort((a, b) => b.s - a.s || a.j - b.j);
  const top = scored.slice(0, k);
  return { items: top.map((x) => x.j), scores: top.map((x) => x.s) };
}

describe('dense dot-product top-K', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it.each(['js', 'tf'] as const)('%s engine: each user\'s top-K equals a full sort, ties to the lower index', (engine) => {
    const rand = mulberry32(engine === 'js' ? 3 : 4);
    let ties = 0;
    // Shapes that are and are not multiples of the 4 × 4 block, k below, at and above the catalogue's size; batches
    // of more than one tile of TOPK_TILE users (their tiles' rows must land in place).
    for (const [nUsers, nItems, d, k] of [[9, 37, 5, 6], [8, 64, 16, 10], [3, 7, 3, 7], [5, 4, 2, 6], [TOPK_TILE * 2 + 9, 37, 5, 6], [TOPK_TILE + 1, 4, 2, 6]] as const) {
      const u = intMatrix(nUsers, d, rand);
      const items = intMatrix(nItems, d, rand);
      const kernel = new DotTopK(items, nItems, d, engine);
      const got = kernel.topK(u, nUsers, k);
      kernel.dispose();
      for (let r = 0; r < nUsers; r++) {
        const want = bruteTopK(u, r, items, nItems, d, k);
        const row = Array.from(got.items.subarray(r * k, (r + 1) * k));
        const scores = Array.from(got.scores.subarray(r * k, (r + 1) * k));
        // k above the catalogue: the missing places are item −1 with score −Infinity.
        const pad = k - want.items.length;
        expect(row).toEqual([...want.items, ...Array<number>(pad).fill(-1)]);
        expect(scores).toEqual([...want.scores, ...Array<number>(pad).fill(-Infinity)]);
        for (let p = 1; p < want.scores.length; p++) if (want.scores[p] === want.scores[p - 1]) ties++;
      }
    }
    expect(ties).toBeGreaterThan(10);
  });

  it('rowTopK keeps the first of equal scores and never takes NaN', () => {
    const s = Float32Array.from([1, NaN, 3, 3, 2, 3, NaN, 0]);
    const got = rowTopK(s, 1, 8, 4);
    expect(Array.from(got.items)).toEqual([2, 3, 5, 4]);
    const onlyNaN = rowTopK(Float32Array.from([NaN, 5, NaN]), 1, 3, 2);
    expect(Array.from(onlyNaN.items)).toEqual([1, -1]);
  });

  it('the js scores equal the tf engine\'s on real-valued vectors within float32 rounding', () => {
    const rand = mulberry32(9);
    const [nUsers, nItems, d] = [6, 41, 64];
    const u = Float32Array.from({ length: nUsers * d }, () => rand() * 2 - 1);
    const items = Float32Array.from({ length: nItems * d }, () => rand() * 2 - 1);
    const tf = new DotTopK(items, nItems, d, 'tf');
    const viaTf = tf.scores(u, nUsers);
    tf.dispose();
    const viaJs = dotScoresJs(u, nUsers, items, nItems, d, new Float32Array(nUsers * nItems));
    const worst = viaJs.reduce((m, v, i) => Math.max(m, Math.abs(v - viaTf[i]!)), 0);
    expect(worst).toBeLessThan(1e-4);
  });
});

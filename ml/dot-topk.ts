import * as tf from '@tensorflow/tfjs';

/**
 * Dense dot-product top-K: for a batch of user vectors, the score of every item (U · Iᵀ) and each user's k best
 * items. Production scoring is item-item and sparse (ml/sparse-scores.ts); this kernel is for models that multiply
 * user and item vectors, and is what the kernel bench measures against NumPy (`U @ I.T` plus `argpartition`).
 *
 * Two ways to get the scores, same top-K after them:
 * - `js`: a blocked loop over Float32Arrays (4 users × 4 items of accumulators per step, so each vector load
 *   serves four products; V8 does not vectorise it, so it stays scalar);
 * - `tf`: one `tf.matMul` per batch on the active tfjs backend (on `wasm`, XNNPACK's SIMD GEMM), read back once.
 *   The item matrix is held transposed (`d × nItems`): the wasm backend's matMul with `transposeB` was about 8×
 *   slower on these shapes than the same product against a transposed copy.
 */
export type DotEngine = 'js' | 'tf';

/** Each user's k best items, best first (row-major, `users × k`); ties go to the lower item index. */
export interface TopKRows {
  users: number;
  k: number;
  items: Int32Array;
  scores: Float32Array;
}

/**
 * Top-k of every row of a row-major `rows × n` score matrix, best first, ties to the lower index, NaN never
 * taken; rows with fewer than k items (k > n) end with item −1 and score −Infinity. One pass per row: a min-heap
 * of k whose root is the worst kept; a score that does not beat the root costs one comparison, so the pass
 * costs about n comparisons whatever k is.
 */
export function rowTopK(scores: Float32Array, rows: number, n: number, k: number): TopKRows {
  const items = new Int32Array(rows * k).fill(-1);
  const out = new Float32Array(rows * k).fill(-Infinity);
  const hi = new Int32Array(k);
  const hs = new Float32Array(k);
  for (let r = 0; r < rows; r++) {
    const base = r * n;
    let size = 0;
    // The root's score, kept in a local once the heap is full (until then every non-NaN score enters).
    let worst = Infinity;
    for (let j = 0; j < n; j++) {
      const s = scores[base + j]!;
      if (size === k) {
        // Scanning in index order: an equal score comes later, so it is worse than the root and never enters.
        if (!(s > worst)) continue;
        hs[0] = s;
        hi[0] = j;
        siftDown(hs, hi, k, 0);
        worst = hs[0]!;
      } else if (s === s) {
        hs[size] = s;
        hi[size] = j;
        siftUp(hs, hi, size++);
        if (size === k) worst = hs[0]!;
      }
    }
    // Pop worst-first into the row's slots from the back: the row ends up best first.
    for (let p = size - 1; p >= 0; p--) {
      out[r * k + p] = hs[0]!;
      items[r * k + p] = hi[0]!;
      size--;
      hs[0] = hs[size]!;
      hi[0] = hi[size]!;
      siftDown(hs, hi, size, 0);
    }
  }
  return { users: rows, k, items, scores: out };
}

/** a is worse than b: lower score, or the same score and a higher index. */
const worse = (sa: number, ia: number, sb: number, ib: number): boolean => sa < sb || (sa === sb && ia > ib);

function siftUp(hs: Float32Array, hi: Int32Array, at: number): void {
  let c = at;
  while (c > 0) {
    const p = (c - 1) >> 1;
    if (!worse(hs[c]!, hi[c]!, hs[p]!, hi[p]!)) return;
    swap(hs, hi, c, p);
    c = p;
  }
}

function siftDown(hs: Float32Array, hi: Int32Array, size: number, at: number): void {
  let i = at;
  for (;;) {
    const l = 2 * i + 1;
    const r = l + 1;
    let m = i;
    if (l < size && worse(hs[l]!, hi[l]!, hs[m]!, hi[m]!)) m = l;
    if (r < size && worse(hs[r]!, hi[r]!, hs[m]!, hi[m]!)) m = r;
    if (m === i) return;
    swap(hs, hi, i, m);
    i = m;
  }
}

function swap(hs: Float32Array, hi: Int32Array, a: number, b: number): void {
  const s = hs[a]!;
  hs[a] = hs[b]!;
  hs[b] = s;
  const i = hi[a]!;
  hi[a] = hi[b]!;
  hi[b] = i;
}

/**
 * U · Iᵀ in plain JS into `out` (`nUsers × nItems`, row-major): `u` is `nUsers × d`, `items` is `nItems × d`.
 * Four users and four items at a time keep sixteen sums in registers; the remainders go one by one.
 */
export function dotScoresJs(u: Float32Array, nUsers: number, items: Float32Array, nItems: number, d: number, out: Float32Array): Float32Array {
  const u4 = nUsers - (nUsers % 4);
  const i4 = nItems - (nItems % 4);
  for (let a = 0; a < u4; a += 4) {
    const a0 = a * d;
    const a1 = a0 + d;
    const a2 = a1 + d;
    const a3 = a2 + d;
    for (let b = 0; b < i4; b += 4) {
      const b0 = b * d;
      const b1 = b0 + d;
      const b2 = b1 + d;
      const b3 = b2 + d;
      let s00 = 0, s01 = 0, s02 = 0, s03 = 0, s10 = 0, s11 = 0, s12 = 0, s13 = 0;
      let s20 = 0, s21 = 0, s22 = 0, s23 = 0, s30 = 0, s31 = 0, s32 = 0, s33 = 0;
      for (let t = 0; t < d; t++) {
        const x0 = u[a0 + t]!, x1 = u[a1 + t]!, x2 = u[a2 + t]!, x3 = u[a3 + t]!;
        const y0 = items[b0 + t]!, y1 = items[b1 + t]!, y2 = items[b2 + t]!, y3 = items[b3 + t]!;
        s00 += x0 * y0; s01 += x0 * y1; s02 += x0 * y2; s03 += x0 * y3;
        s10 += x1 * y0; s11 += x1 * y1; s12 += x1 * y2; s13 += x1 * y3;
        s20 += x2 * y0; s21 += x2 * y1; s22 += x2 * y2; s23 += x2 * y3;
        s30 += x3 * y0; s31 += x3 * y1; s32 += x3 * y2; s33 += x3 * y3;
      }
      const o = a * nItems + b;
      out[o] = s00; out[o + 1] = s01; out[o + 2] = s02; out[o + 3] = s03;
      out[o + nItems] = s10; out[o + nItems + 1] = s11; out[o + nItems + 2] = s12; out[o + nItems + 3] = s13;
      out[o + 2 * nItems] = s20; out[o + 2 * nItems + 1] = s21; out[o + 2 * nItems + 2] = s22; out[o + 2 * nItems + 3] = s23;
      out[o + 3 * nItems] = s30; out[o + 3 * nItems + 1] = s31; out[o + 3 * nItems + 2] = s32; out[o + 3 * nItems + 3] = s33;
    }
    for (let b = i4; b < nItems; b++) for (let r = a; r < a + 4; r++) out[r * nItems + b] = dot(u, r * d, items, b * d, d);
  }
  for (let r = u4; r < nUsers; r++) for (let b = 0; b < nItems; b++) out[r * nItems + b] = dot(u, r * d, items, b * d, d);
  return out;
}

function dot(x: Float32Array, xo: number, y: Float32Array, yo: number, d: number): number {
  let s = 0;
  for (let t = 0; t < d; t++) s += x[xo + t]! * y[yo + t]!;
  return s;
}

/**
 * Users whose scores {@link DotTopK.topK} computes at once. On the wasm backend a 256 × 20,000 block (20 MB) is
 * produced and read back 2.4 times faster per pair than a 1,024-user one (80 MB: it no longer stays in cache and
 * grows the wasm heap); measured with 8,192 users against 20,000 items, d = 64: 110 million pairs per second at
 * 256 users, 98 at 128, 53 at 512, 46 at 1,024.
 */
export const TOPK_TILE = 256;

/**
 * Top-k items per user by dot product, batch by batch: holds the item matrix (and, for `tf`, its tensor) across
 * batches. Call {@link DotTopK.dispose} when done with a `tf` one.
 */
export class DotTopK {
  private readonly itemTensor: tf.Tensor2D | null;
  private scratch = new Float32Array(0);

  constructor(
    private readonly items: Float32Array,
    readonly nItems: number,
    readonly d: number,
    readonly engine: DotEngine,
  ) {
    if (items.length !== nItems * d) throw new Error(`item matrix has ${items.length} values, not ${nItems} × ${d}`);
    this.itemTensor = engine === 'tf' ? tf.tidy(() => tf.transpose(tf.tensor2d(items, [nItems, d]))) : null;
  }

  /**
   * The k best items of each of the `nUsers` user vectors in `users` (`nUsers × d`, row-major), scored
   * {@link TOPK_TILE} users at a time: the score block of a tile is produced, cut and dropped before the next, so a
   * big batch never materialises its whole `nUsers × nItems` matrix.
   */
  topK(users: Float32Array, nUsers: number, k: number): TopKRows {
    if (users.length !== nUsers * this.d) throw new Error(`user batch has ${users.length} values, not ${nUsers} × ${this.d}`);
    if (nUsers <= TOPK_TILE) return rowTopK(this.scores(users, nUsers), nUsers, this.nItems, k);
    const items = new Int32Array(nUsers * k);
    const scores = new Float32Array(nUsers * k);
    for (let lo = 0; lo < nUsers; lo += TOPK_TILE) {
      const n = Math.min(TOPK_TILE, nUsers - lo);
      const tile = rowTopK(this.scores(users.subarray(lo * this.d, (lo + n) * this.d), n), n, this.nItems, k);
      items.set(tile.items, lo * k);
      scores.set(tile.scores, lo * k);
    }
    return { users: nUsers, k, items, scores };
  }

  /** The batch's full score matrix (`nUsers × nItems`); the `js` engine reuses one buffer between calls. */
  scores(users: Float32Array, nUsers: number): Float32Array {
    if (this.itemTensor) {
      const t = tf.tidy(() => tf.matMul(tf.tensor2d(users, [nUsers, this.d]), this.itemTensor!));
      const s = t.dataSync() as Float32Array;
      t.dispose();
      return s;
    }
    if (this.scratch.length < nUsers * this.nItems) this.scratch = new Float32Array(nUsers * this.nItems);
    return dotScoresJs(users, nUsers, this.items, this.nItems, this.d, this.scratch);
  }

  dispose(): void {
    this.itemTensor?.dispose();
  }
}

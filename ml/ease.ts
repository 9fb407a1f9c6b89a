import { invertSpd } from './linalg';
import { topK } from './topk';

/** Dense Gram matrix XᵀX (float64, n×n) of a sparse user×item matrix given as CSR rows. */
export function gramMatrix(
  rowStart: Int32Array, item: Int32Array, value: ArrayLike<number> | null, nItems: number,
): Float64Array {
  const g = new Float64Array(nItems * nItems);
  const nU = rowStart.length - 1;
  for (let u = 0; u < nU; u++) {
    const s = rowStart[u]!;
    const e = rowStart[u + 1]!;
    for (let p = s; p < e; p++) {
      const i = item[p]!;
      const vi = value ? value[p]! : 1;
      const ri = i * nItems;
      for (let q = s; q < e; q++) g[ri + item[q]!]! += vi * (value ? value[q]! : 1);
    }
  }
  return g;
}

/**
 * EASE item-item weights (Steck 2019): P = (G + λI)⁻¹, B_ij = −P_ij / P_jj, zero diagonal.
 * Consumes `gram`; returns B row-major as float32 (row i = how much owning item i votes for each item j).
 */
export function easeWeights(gram: Float64Array, n: number, lambda: number): Float32Array {
  return easeFromInverse(easeInverse(gram, n, lambda), n);
}

/** P = (G + λI)⁻¹, computed in place in `gram` (which it returns): what EASE's weights, and its tail (ease-tail.ts), are read from. */
export function easeInverse(gram: Float64Array, n: number, lambda: number): Float64Array {
  for (let i = 0; i < n; i++) gram[i * n + i]! += lambda;
  return invertSpd(gram, n);
}

/** EASE's B from P = (G + λI)⁻¹: B_ij = −P_ij / P_jj, zero diagonal (float32, row-major). */
export function easeFromInverse(p: Float64Array, n: number): Float32Array {
  const b = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) b[i * n + j] = i === j ? 0 : -p[i * n + j]! / p[j * n + j]!;
  }
  return b;
}

/** Item-item cosine similarity from a Gram matrix (float32); the diagonal is zeroed so an item never votes for itself. */
export function cosineFromGram(gram: Float64Array, n: number): Float32Array {
  const c = new Float32Array(n * n);
  for (let i = 0; i < n; i++) {
    const gi = gram[i * n + i]!;
    for (let j = 0; j < n; j++) {
      const den = Math.sqrt(gi * gram[j * n + j]!);
      c[i * n + j] = den > 0 && i !== j ? gram[i * n + j]! / den : 0;
    }
  }
  return c;
}

/** Sparse top-N neighbours per row of a dense item×item matrix, which keeps artefacts small and scoring O(N). */
export interface SparseNeighbours {
  n: number;
  /** neighbours per item (rows padded with −1 / 0) */
  width: number;
  index: Int32Array;
  weight: Float32Array;
}

/** Keeps the `width` largest positive entries of each row (negative weights rarely reach a top-K list). */
export function topNeighbours(dense: Float32Array, n: number, width: number): SparseNeighbours {
  const w = Math.min(width, n);
  const index = new Int32Array(n * w).fill(-1);
  const weight = new Float32Array(n * w);
  for (let i = 0; i < n; i++) {
    const row = dense.subarray(i * n, (i + 1) * n);
    const best = topK(row, w + 1);
    let r = 0;
    for (let t = 0; t < best.length && r < w; t++) {
      const j = best[t]!;
      if (j === i || !(row[j]! > 0)) continue;
      index[i * w + r] = j;
      weight[i * w + r] = row[j]!;
      r++;
    }
  }
  return { n, width: w, index, weight };
}

/** Adds Σ_i x_i · W[i, :] into `out` for a user's (item, value) pairs, with W dense row-major. */
export function accumulateDense(
  out: Float64Array, w: Float32Array, n: number, items: ArrayLike<number>, values: ArrayLike<number> | null,
): void {
  for (let p = 0; p < items.length; p++) {
    const i = items[p]!;
    const v = values ? values[p]! : 1;
    const row = i * n;
    for (let j = 0; j < n; j++) out[j]! += v * w[row + j]!;
  }
}

/** Same as {@link accumulateDense} for sparse neighbour lists; `from` (optional) records the strongest voter per item. */
export function accumulateSparse(
  out: Float64Array, nb: SparseNeighbours, items: ArrayLike<number>, values: ArrayLike<number> | null,
  from?: Int32Array, best?: Float64Array,
): void {
  const w = nb.width;
  for (let p = 0; p < items.length; p++) {
    const i = items[p]!;
    const v = values ? values[p]! : 1;
    for (let r = 0; r < w; r++) {
      const j = nb.index[i * w + r]!;
      if (j < 0) continue;
      const c = v * nb.weight[i * w + r]!;
      out[j]! += c;
      if (from && best && c > best[j]!) {
        best[j] = c;
        from[j] = i;
      }
    }
  }
}

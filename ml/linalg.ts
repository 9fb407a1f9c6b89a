import * as tf from '@tensorflow/tfjs';

/** In-place Gauss–Jordan inverse of a small dense SPD matrix (float64, row-major n×n); throws if singular. */
export function invertSmall(a: Float64Array, n: number): Float64Array {
  for (let k = 0; k < n; k++) {
    const pivot = a[k * n + k]!;
    if (!(Math.abs(pivot) > 1e-300)) throw new Error('matrix is singular');
    const inv = 1 / pivot;
    const rk = k * n;
    for (let j = 0; j < n; j++) a[rk + j]! *= inv;
    a[rk + k] = inv;
    for (let i = 0; i < n; i++) {
      if (i === k) continue;
      const ri = i * n;
      const f = a[ri + k]!;
      if (f === 0) continue;
      a[ri + k] = 0;
      // Row axpy: contiguous on both rows, so it stays in cache.
      for (let j = 0; j < n; j++) a[ri + j]! -= f * a[rk + j]!;
    }
  }
  return a;
}

/**
 * Inverse of a dense symmetric positive-definite matrix (row-major n×n, float64, overwritten and returned).
 * Blocked Gauss–Jordan: each block step is one large GEMM run by tfjs (XNNPACK on wasm reaches ~20 GFLOP/s
 * here, against ~1 for scalar JS), while small pivot blocks and the bookkeeping stay in float64 JS. The matrix is
 * Jacobi-scaled first so float32 GEMMs lose little precision.
 */
export function invertSpd(a: Float64Array, n: number, block = 384): Float64Array {
  if (n <= block) return invertSmall(a, n);
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = 1 / Math.sqrt(a[i * n + i]!);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j]! *= d[i]! * d[j]!;
  for (let k0 = 0; k0 < n; k0 += block) {
    const k1 = Math.min(n, k0 + block);
    const b = k1 - k0;
    const p = new Float64Array(b * b);
    for (let r = 0; r < b; r++) for (let c = 0; c < b; c++) p[r * b + c] = a[(k0 + r) * n + k0 + c]!;
    invertSmall(p, b);
    const colK = new Float32Array(n * b);
    const rowK = new Float32Array(b * n);
    for (let i = 0; i < n; i++) for (let c = 0; c < b; c++) colK[i * b + c] = a[i * n + k0 + c]!;
    for (let r = 0; r < b; r++) for (let j = 0; j < n; j++) rowK[r * n + j] = a[(k0 + r) * n + j]!;
    // Gauss–Jordan is not symmetric mid-way (processed blocks turn antisymmetric), so both P·A_K: and A_:K·P are needed.
    // Return tensors, not typed arrays, from tidy: it walks returned containers element by element.
    const ts = tf.tidy(() => {
      const pt = tf.tensor2d(Float32Array.from(p), [b, b]);
      const c = tf.tensor2d(colK, [n, b]);
      const r = tf.matMul(pt, tf.tensor2d(rowK, [b, n]));
      return [r, tf.matMul(c, pt), tf.matMul(c, r)];
    });
    const [rArr, qArr, uArr] = ts.map((t) => t.dataSync() as Float32Array) as [Float32Array, Float32Array, Float32Array];
    tf.dispose(ts);
    for (let i = 0; i < n; i++) {
      const inK = i >= k0 && i < k1;
      const ri = i * n;
      if (inK) {
        const r = i - k0;
        for (let j = 0; j < n; j++) a[ri + j] = rArr[r * n + j]!;
        for (let c = 0; c < b; c++) a[ri + k0 + c] = p[r * b + c]!;
      } else {
        for (let j = 0; j < n; j++) a[ri + j]! -= uArr[ri + j]!;
        for (let c = 0; c < b; c++) a[ri + k0 + c] = -qArr[i * b + c]!;
      }
    }
  }
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) a[i * n + j]! *= d[i]! * d[j]!;
  return a;
}

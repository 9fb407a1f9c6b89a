import { kFoldAssignments } from './random';

/** A fitted logistic regression on standardised features. */
export interface LogisticModel {
  mean: Float64Array;
  std: Float64Array;
  /** bias first, then one weight per feature */
  coef: Float64Array;
}

function solve(a: Float64Array, b: Float64Array, n: number): Float64Array {
  // Gaussian elimination with partial pivoting on a tiny (features+1)² system.
  const m = Float64Array.from(a);
  const x = Float64Array.from(b);
  for (let k = 0; k < n; k++) {
    let piv = k;
    for (let i = k + 1; i < n; i++) if (Math.abs(m[i * n + k]!) > Math.abs(m[piv * n + k]!)) piv = i;
    if (piv !== k) {
      for (let j = 0; j < n; j++) {
        const t = m[k * n + j]!;
        m[k * n + j] = m[piv * n + j]!;
        m[piv * n + j] = t;
      }
      const t = x[k]!;
      x[k] = x[piv]!;
      x[piv] = t;
    }
    const d = m[k * n + k]!;
    for (let i = k + 1; i < n; i++) {
      const f = m[i * n + k]! / d;
      if (f === 0) continue;
      for (let j = k; j < n; j++) m[i * n + j]! -= f * m[k * n + j]!;
      x[i]! -= f * x[k]!;
    }
  }
  for (let k = n - 1; k >= 0; k--) {
    let s = x[k]!;
    for (let j = k + 1; j < n; j++) s -= m[k * n + j]! * x[j]!;
    x[k] = s / m[k * n + k]!;
  }
  return x;
}

/**
 * Fits L2-regularised logistic regression by Newton's method (rows × d features, row-major); `weights` (one
 * per row, default 1) scale each row's loss.
 */
export function fitLogistic(
  x: Float64Array, y: ArrayLike<number>, rows: number, d: number, l2 = 1e-3, weights?: ArrayLike<number>,
): LogisticModel {
  let total = 0;
  for (let r = 0; r < rows; r++) total += weights ? weights[r]! : 1;
  const mean = new Float64Array(d);
  const std = new Float64Array(d);
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) mean[j]! += x[r * d + j]! / rows;
  for (let r = 0; r < rows; r++) for (let j = 0; j < d; j++) std[j]! += (x[r * d + j]! - mean[j]!) ** 2 / rows;
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]!) || 1;
  const p = d + 1;
  const coef = new Float64Array(p);
  const z = new Float64Array(p);
  for (let iter = 0; iter < 25; iter++) {
    const h = new Float64Array(p * p);
    const g = new Float64Array(p);
    for (let r = 0; r < rows; r++) {
      z[0] = 1;
      for (let j = 0; j < d; j++) z[j + 1] = (x[r * d + j]! - mean[j]!) / std[j]!;
      let s = 0;
      for (let j = 0; j < p; j++) s += coef[j]! * z[j]!;
      const pr = 1 / (1 + Math.exp(-s));
      const rw = weights ? weights[r]! : 1;
      const wgt = rw * pr * (1 - pr);
      const res = rw * (pr - (y[r]! > 0 ? 1 : 0));
      for (let a = 0; a < p; a++) {
        g[a]! += res * z[a]!;
        for (let b = 0; b < p; b++) h[a * p + b]! += wgt * z[a]! * z[b]!;
      }
    }
    for (let a = 1; a < p; a++) {
      g[a]! += l2 * total * coef[a]!;
      h[a * p + a]! += l2 * total;
    }
    const step = solve(h, g, p);
    let move = 0;
    for (let a = 0; a < p; a++) {
      coef[a]! -= step[a]!;
      move = Math.max(move, Math.abs(step[a]!));
    }
    if (move < 1e-8) break;
  }
  return { mean, std, coef };
}

/** Probability for one row of raw features. */
export function predictLogistic(m: LogisticModel, row: ArrayLike<number>): number {
  let s = m.coef[0]!;
  for (let j = 0; j < m.mean.length; j++) s += m.coef[j + 1]! * ((row[j]! - m.mean[j]!) / m.std[j]!);
  return 1 / (1 + Math.exp(-s));
}

/** Out-of-fold probabilities from k-fold cross-validation (every row scored by a model that never saw it). */
export function crossValidatedLogistic(x: Float64Array, y: ArrayLike<number>, rows: number, d: number, k = 5): Float64Array {
  const fold = kFoldAssignments(rows, k);
  const out = new Float64Array(rows);
  for (let f = 0; f < k; f++) {
    const trainIdx: number[] = [];
    for (let r = 0; r < rows; r++) if (fold[r] !== f) trainIdx.push(r);
    const tx = new Float64Array(trainIdx.length * d);
    const ty = new Float64Array(trainIdx.length);
    trainIdx.forEach((r, t) => {
      for (let j = 0; j < d; j++) tx[t * d + j] = x[r * d + j]!;
      ty[t] = y[r]!;
    });
    const m = fitLogistic(tx, ty, trainIdx.length, d);
    for (let r = 0; r < rows; r++) if (fold[r] === f) out[r] = predictLogistic(m, x.subarray(r * d, (r + 1) * d));
  }
  return out;
}

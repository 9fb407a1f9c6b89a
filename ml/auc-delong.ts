/**
 * DeLong's variance for the difference of two correlated ROC AUCs (two scorers on the same customers), by the
 * midrank method of Sun & Xu (2014): O(n log n). Each scorer's AUC is the mean over buyers of V10 (the share of
 * non-buyers it ranks below that buyer, ties half) and equally the mean over non-buyers of V01; the difference's
 * variance is var(V10ᵃ − V10ᵇ) / buyers + var(V01ᵃ − V01ᵇ) / non-buyers.
 */

/** Midranks (1-based; tied values share their average rank) of `xs`. */
function midranks(xs: ArrayLike<number>): Float64Array {
  const n = xs.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => xs[a]! - xs[b]!);
  const out = new Float64Array(n);
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && xs[idx[j + 1]!] === xs[idx[i]!]) j++;
    for (let t = i; t <= j; t++) out[idx[t]!] = (i + j) / 2 + 1;
    i = j + 1;
  }
  return out;
}

/** A scorer's DeLong components: V10 per buyer and V01 per non-buyer (in the labels' order of each class). */
function components(scores: ArrayLike<number>, labels: ArrayLike<number>): { v10: Float64Array; v01: Float64Array } {
  const pos: number[] = [];
  const neg: number[] = [];
  for (let i = 0; i < labels.length; i++) (labels[i]! > 0 ? pos : neg).push(scores[i]!);
  const m = pos.length;
  const n = neg.length;
  const all = midranks([...pos, ...neg]);
  const rp = midranks(pos);
  const rn = midranks(neg);
  // A buyer's rank among everyone, less its rank among buyers, counts the non-buyers below it (ties half).
  const v10 = Float64Array.from(rp, (r, i) => (all[i]! - r) / n);
  const v01 = Float64Array.from(rn, (r, j) => 1 - (all[m + j]! - r) / m);
  return { v10, v01 };
}

/** Sample variance of a − b (parallel arrays, at least two entries). */
function varianceOfDifference(a: Float64Array, b: Float64Array): number {
  const k = a.length;
  let s = 0;
  for (let i = 0; i < k; i++) s += a[i]! - b[i]!;
  const mean = s / k;
  let ss = 0;
  for (let i = 0; i < k; i++) ss += (a[i]! - b[i]! - mean) ** 2;
  return ss / (k - 1);
}

/**
 * AUC(a) − AUC(b) on the same customers and its DeLong standard error; null when the labels hold one class only.
 * The standard error is infinite with a single buyer or non-buyer: one is no evidence of a difference.
 */
export function pairedAucDifference(a: ArrayLike<number>, b: ArrayLike<number>, labels: ArrayLike<number>): { diff: number; se: number } | null {
  const ca = components(a, labels);
  const cb = components(b, labels);
  const m = ca.v10.length;
  const n = ca.v01.length;
  if (m === 0 || n === 0) return null;
  let diff = 0;
  for (let i = 0; i < m; i++) diff += ca.v10[i]! - cb.v10[i]!;
  diff /= m;
  if (m < 2 || n < 2) return { diff, se: Infinity };
  const variance = varianceOfDifference(ca.v10, cb.v10) / m + varianceOfDifference(ca.v01, cb.v01) / n;
  return { diff, se: Math.sqrt(variance) };
}

import { mulberry32 } from './random';

export interface KMeansResult {
  centroids: number[][];
  assignment: Int32Array;
  inertia: number;
  iterations: number;
}

function dist2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    s += d * d;
  }
  return s;
}

/**
 * k-means with k-means++ seeding (Lloyd iterations until no point moves or maxIter). `init` centroids (at most
 * k) are kept as the first seeds and k-means++ adds the rest: started from last run's segments, a nightly
 * re-clustering of nearly the same customers stays where it was instead of relabelling everyone.
 */
export function kmeans(points: number[][], k: number, opts: { seed?: number; maxIter?: number; init?: readonly number[][] } = {}): KMeansResult {
  const n = points.length;
  if (n === 0) throw new Error('kmeans: no points');
  const kk = Math.min(k, n);
  const rand = mulberry32(opts.seed ?? 42);
  const centroids: number[][] = (opts.init ?? []).slice(0, kk).map((c) => [...c]);
  if (centroids.length === 0) centroids.push([...(points[Math.floor(rand() * n)] ?? points[0]!)]);
  const d2 = new Float64Array(n).fill(Infinity);
  for (const c of centroids.slice(0, -1)) for (let i = 0; i < n; i++) d2[i] = Math.min(d2[i]!, dist2(points[i]!, c));
  while (centroids.length < kk) {
    const last = centroids[centroids.length - 1]!;
    let total = 0;
    for (let i = 0; i < n; i++) {
      d2[i] = Math.min(d2[i]!, dist2(points[i]!, last));
      total += d2[i]!;
    }
    let r = rand() * total;
    let pick = n - 1;
    for (let i = 0; i < n; i++) {
      r -= d2[i]!;
      if (r <= 0) {
        pick = i;
        break;
      }
    }
    centroids.push([...points[pick]!]);
  }
  const assignment = new Int32Array(n).fill(-1);
  let iterations = 0;
  let inertia = 0;
  for (; iterations < (opts.maxIter ?? 100); iterations++) {
    let moved = 0;
    inertia = 0;
    for (let i = 0; i < n; i++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < kk; c++) {
        const d = dist2(points[i]!, centroids[c]!);
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      inertia += bestD;
      if (assignment[i] !== best) {
        assignment[i] = best;
        moved++;
      }
    }
    const dim = points[0]!.length;
    const sums = Array.from({ length: kk }, () => new Float64Array(dim));
    const counts = new Int32Array(kk);
    for (let i = 0; i < n; i++) {
      const c = assignment[i]!;
      counts[c]! += 1;
      const p = points[i]!;
      for (let j = 0; j < dim; j++) sums[c]![j]! += p[j]!;
    }
    for (let c = 0; c < kk; c++) if (counts[c]! > 0) centroids[c] = Array.from(sums[c]!, (s) => s / counts[c]!);
    if (moved === 0) break;
  }
  return { centroids, assignment, inertia, iterations };
}

/** Ranking and probability metrics shared by the harness and the registry (pure functions on plain arrays). */

/** Recall@K with the denominator min(|relevant|, K), so a perfect list scores 1 even when |relevant| > K. */
export function recallAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return 0;
  let hits = 0;
  const n = Math.min(k, list.length);
  for (let r = 0; r < n; r++) if (relevant.has(list[r]!)) hits++;
  return hits / Math.min(relevant.size, k);
}

/** NDCG@K with binary gains; the ideal DCG places min(|relevant|, K) hits first. */
export function ndcgAtK(list: ArrayLike<number>, relevant: ReadonlySet<number>, k: number): number {
  if (relevant.size === 0) return 0;
  let dcg = 0;
  const n = Math.min(k, list.length);
  for (let r = 0; r < n; r++) if (relevant.has(list[r]!)) dcg += 1 / Math.log2(r + 2);
  let idcg = 0;
  const m = Math.min(relevant.size, k);
  for (let r = 0; r < m; r++) idcg += 1 / Math.log2(r + 2);
  return dcg / idcg;
}

/** Reciprocal rank of the first relevant item within the list (0 when none). */
export function reciprocalRank(list: ArrayLike<number>, relevant: ReadonlySet<number>): number {
  for (let r = 0; r < list.length; r++) if (relevant.has(list[r]!)) return 1 / (r + 1);
  return 0;
}

/** Share of the catalogue that appears in at least one list. */
export function catalogueCoverage(lists: readonly ArrayLike<number>[], nItems: number): number {
  if (nItems === 0) return 0;
  const seen = new Uint8Array(nItems);
  let n = 0;
  for (const l of lists) {
    for (let r = 0; r < l.length; r++) {
      const i = l[r]!;
      if (seen[i] === 0) {
        seen[i] = 1;
        n++;
      }
    }
  }
  return n / nItems;
}

/** Size of the intersection of two ascending integer arrays. */
export function intersectSorted(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length && j < b.length) {
    const x = a[i]!;
    const y = b[j]!;
    if (x === y) {
      n++;
      i++;
      j++;
    } else if (x < y) i++;
    else j++;
  }
  return n;
}

/**
 * Intra-list diversity: 1 − mean pairwise cosine similarity of the items' buyer sets (sorted user ids per item),
 * averaged over lists. Sparse on purpose: it never builds an item × item matrix.
 */
export function intraListDiversity(lists: readonly ArrayLike<number>[], buyers: readonly Int32Array[]): number {
  // Lists share many pairs (popular items), so pair similarities are memoised.
  const cache = new Map<number, number>();
  const n = buyers.length;
  const cos = (i: number, j: number): number => {
    const key = i < j ? i * n + j : j * n + i;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const ba = buyers[i];
    const bb = buyers[j];
    const v = !ba || !bb || ba.length === 0 || bb.length === 0 ? 0 : intersectSorted(ba, bb) / Math.sqrt(ba.length * bb.length);
    cache.set(key, v);
    return v;
  };
  let sum = 0;
  let count = 0;
  for (const l of lists) {
    if (l.length < 2) continue;
    let sim = 0;
    let pairs = 0;
    for (let a = 0; a < l.length; a++) {
      for (let b = a + 1; b < l.length; b++) {
        pairs++;
        sim += cos(l[a]!, l[b]!);
      }
    }
    sum += 1 - sim / pairs;
    count++;
  }
  return count === 0 ? 0 : sum / count;
}

/** ROC AUC by the rank-sum formula, ties sharing their average rank. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let pos = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[idx[j + 1]!] === scores[idx[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let t = i; t <= j; t++) {
      if (labels[idx[t]!]! > 0) {
        pos++;
        rankSum += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return 0.5;
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Brier score: mean squared error of probabilities against 0/1 labels. */
export function brierScore(probs: ArrayLike<number>, labels: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < probs.length; i++) {
    const d = probs[i]! - (labels[i]! > 0 ? 1 : 0);
    s += d * d;
  }
  return probs.length === 0 ? 0 : s / probs.length;
}

/** One bin of a reliability table: mean predicted vs observed rate. */
export interface ReliabilityBin {
  lo: number;
  hi: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Reliability table with equal-width probability bins (calibration check). */
export function reliabilityTable(probs: ArrayLike<number>, labels: ArrayLike<number>, bins = 10): ReliabilityBin[] {
  const cnt = new Float64Array(bins);
  const sp = new Float64Array(bins);
  const sy = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i]!;
    const b = Math.min(bins - 1, Math.max(0, Math.floor(p * bins)));
    cnt[b]! += 1;
    sp[b]! += p;
    sy[b]! += labels[i]! > 0 ? 1 : 0;
  }
  const out: ReliabilityBin[] = [];
  for (let b = 0; b < bins; b++) {
    const c = cnt[b]!;
    out.push({ lo: b / bins, hi: (b + 1) / bins, count: c, meanPredicted: c ? sp[b]! / c : 0, observedRate: c ? sy[b]! / c : 0 });
  }
  return out;
}

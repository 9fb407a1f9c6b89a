import type { SparseNeighbours } from './ease';
import type { FittedSources } from './sources';

/** Why an item is shown next to another. */
export type SimilarReason = 'bought-with' | 'similar-interest';

/** One item shown on another item's page. */
export interface SimilarItem {
  itemId: string;
  rank: number;
  similarItemId: string;
  score: number;
  reason: SimilarReason;
}

function neighbours(nb: SparseNeighbours, i: number): { j: number; w: number }[] {
  const out: { j: number; w: number }[] = [];
  for (let r = 0; r < nb.width; r++) {
    const j = nb.index[i * nb.width + r]!;
    if (j >= 0) out.push({ j, w: nb.weight[i * nb.width + r]! });
  }
  return out.sort((a, b) => b.w - a.w || a.j - b.j);
}

/**
 * Each item's `k` most similar items from the model's own item-item sources: co-purchase neighbours first
 * (cosine over buyer sets: "bought with"), then the interest model's (EASE over views, carts and buys) to fill
 * the list. Scores are ordinal (k − rank + 1 scaled to 0–1) because the two sources' weights are not comparable.
 * Items without neighbours in either source get no row, so the route can say so instead of showing noise.
 */
export function similarItems(s: FittedSources, k: number): SimilarItem[] {
  const out: SimilarItem[] = [];
  for (let i = 0; i < s.itemIds.length; i++) {
    const seen = new Set<number>([i]);
    const picked: { j: number; reason: SimilarReason }[] = [];
    for (const [nb, reason] of [[s.cosine, 'bought-with'], [s.ease, 'similar-interest']] as const) {
      for (const { j } of neighbours(nb, i)) {
        if (picked.length >= k) break;
        if (seen.has(j)) continue;
        seen.add(j);
        picked.push({ j, reason });
      }
    }
    picked.forEach((p, r) => out.push({ itemId: s.itemIds[i]!, rank: r + 1, similarItemId: s.itemIds[p.j]!, score: (k - r) / k, reason: p.reason }));
  }
  return out;
}

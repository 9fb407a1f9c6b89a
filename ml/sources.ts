import { fitPanel, type CustomerPanel } from './customer-panel';
import { easeFromInverse, easeInverse, gramMatrix, topNeighbours, type SparseNeighbours } from './ease';
import { withTailItems } from './ease-tail';
import { columnSums, itemBlock, liftNeighbours, MAX_DENSE_ITEMS, restrictRows } from './item-block';
import type { Snapshot } from './snapshot';
import { cooccurrenceNeighbours, DEFAULT_COOCCURRENCE } from './sparse-neighbours';
import { topK } from './topk';

/** Hyper-parameters of the candidate sources. */
export interface SourceParams {
  /** EASE ridge strength */
  lambda: number;
  /** neighbours kept per item (artefact size and scoring cost are linear in it) */
  neighbours: number;
  /** most items the dense item-item fit (EASE) covers (the most popular ones; see item-block.ts) */
  maxDenseItems?: number;
  /** co-purchase cosine: fewest customers with both items for a pair to be neighbours (sparse-neighbours.ts) */
  minCooccurrence?: number;
  /** co-purchase cosine: most items one customer contributes (bounds its cost; sparse-neighbours.ts) */
  maxUserItems?: number;
  /**
   * co-purchase cosine over the most popular items only, as when it was dense (absent: the whole catalogue). Kept
   * for the before/after comparison by item popularity (popularity-eval.ts), not for serving.
   */
  cosineMaxItems?: number;
}

export const DEFAULT_SOURCE_PARAMS: SourceParams = {
  lambda: 300, neighbours: 100, maxDenseItems: MAX_DENSE_ITEMS,
  minCooccurrence: DEFAULT_COOCCURRENCE.minCount, maxUserItems: DEFAULT_COOCCURRENCE.maxUserItems,
};

/**
 * Top neighbours of EASE fitted on the CSR rows. A catalogue too big for its dense matrices (its inverse is n³)
 * is fitted on the most popular items, and every other item joins it on its own (ease-tail.ts).
 */
function denseEase(rowStart: Int32Array, item: Int32Array, value: Float32Array | null, n: number, p: SourceParams): SparseNeighbours {
  const block = itemBlock(columnSums(item, value, n), p.maxDenseItems ?? MAX_DENSE_ITEMS);
  const r = restrictRows(rowStart, item, value, block);
  const m = block.size;
  const inverse = easeInverse(gramMatrix(r.rowStart, r.item, r.value, m), m, p.lambda);
  const head = liftNeighbours(topNeighbours(easeFromInverse(inverse, m), m, p.neighbours), block, n);
  return withTailItems(head, inverse, block, { rowStart, item, value }, p.lambda);
}

/** Co-purchase cosine neighbours of every item with enough co-buyers (or of the most popular items: cosineMaxItems). */
function coPurchaseCosine(rowStart: Int32Array, item: Int32Array, n: number, p: SourceParams): SparseNeighbours {
  const co = { width: p.neighbours, minCount: p.minCooccurrence, maxUserItems: p.maxUserItems };
  if (p.cosineMaxItems === undefined) return cooccurrenceNeighbours(rowStart, item, null, n, co).neighbours;
  const block = itemBlock(columnSums(item, null, n), p.cosineMaxItems);
  const r = restrictRows(rowStart, item, null, block);
  return liftNeighbours(cooccurrenceNeighbours(r.rowStart, r.item, null, block.size, co).neighbours, block, n);
}

/** Item-level state of the fitted sources (everything that does not depend on one user). */
export interface FittedSources {
  anchor: number;
  itemIds: readonly string[];
  /** EASE weights on the interest-strength matrix (purchase = 1, cart/view/search lower), top-N per item: the dense head, the tail joined to it (ease-tail.ts) */
  ease: SparseNeighbours;
  /** cosine co-occurrence of buyer sets, top-N per item over the whole catalogue (sparse, no n×n) */
  cosine: SparseNeighbours;
  buyers: Float32Array;
  buyers7: Float32Array;
  buyers30: Float32Array;
  buyers90: Float32Array;
  repeatRate: Float32Array;
  interest30: Float32Array;
  firstTs: Float64Array;
  price: Float32Array;
  /** items ordered by recent momentum, the cold-start and trending fallback */
  trending: Int32Array;
  /**
   * The shop's rebuy share: of the baskets in which a customer bought an item, the share where they had bought it
   * in an earlier basket (Σ (baskets − 1) / Σ baskets over customer-item pairs). How much of what a customer buys
   * their own past explains: 0 where nobody rebuys (the catalogue shape), 0.29 on UCI, 0.69 on the grocery shape.
   */
  rebuyShare: number;
  /** the recently active customers `personal_knn` finds similar customers among (absent in older models) */
  panel?: CustomerPanel;
}

/** See {@link FittedSources.rebuyShare}; 0 when nothing was bought. */
export function rebuyShare(snap: Snapshot): number {
  let baskets = 0;
  let rebought = 0;
  for (let p = 0; p < snap.item.length; p++) {
    if (snap.lines[p]! <= 0) continue;
    const b = Math.max(1, snap.baskets[p]!);
    baskets += b;
    rebought += b - 1;
  }
  return baskets > 0 ? rebought / baskets : 0;
}

/** Fits the item-item sources and item statistics from a snapshot (EASE's inverse dominates the cost). */
export function fitSources(snap: Snapshot, params: SourceParams = DEFAULT_SOURCE_PARAMS): FittedSources {
  const n = snap.itemIds.length;
  const ease = denseEase(snap.rowStart, snap.item, snap.strength, n, params);
  const rowStart = new Int32Array(snap.userIds.length + 1);
  const bought: number[] = [];
  for (let u = 0; u < snap.userIds.length; u++) {
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) if (snap.lines[p]! > 0) bought.push(snap.item[p]!);
    rowStart[u + 1] = bought.length;
  }
  const cosine = coPurchaseCosine(rowStart, Int32Array.from(bought), n, params);
  const it = snap.itemStats;
  const repeatRate = new Float32Array(n);
  const momentum = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    repeatRate[i] = it.buyers[i]! > 0 ? it.repeatBuyers[i]! / it.buyers[i]! : 0;
    // Recent buyers, with a mild bonus for acceleration against the 90-day rate.
    momentum[i] = it.buyers30[i]! + it.interest30[i]! * 0.1 + 0.5 * Math.max(0, it.buyers30[i]! - it.buyers90[i]! / 3);
  }
  return {
    anchor: snap.anchor, itemIds: snap.itemIds, ease, cosine,
    buyers: it.buyers, buyers7: it.buyers7, buyers30: it.buyers30, buyers90: it.buyers90, repeatRate,
    interest30: it.interest30, firstTs: it.firstTs, price: it.price, trending: topK(momentum, Math.min(n, 200)),
    rebuyShare: rebuyShare(snap), panel: fitPanel(snap),
  };
}

import type { SparseNeighbours } from './ease';

/**
 * Item-item models (EASE, cosine kNN) go through dense n×n matrices: n² memory and, for EASE's inverse, n³ time.
 * That is 0.1 GB and seconds at UCI's 3,618 items but 3 GB and hours at 20,000, so above this many items they
 * are fitted on the most popular items only. The long tail keeps its other sources (reorder, embedding,
 * trending); it would get few reliable co-occurrences anyway.
 */
export const MAX_DENSE_ITEMS = 5000;

/** The items a dense item-item model covers, with index maps both ways. */
export interface ItemBlock {
  /** number of covered items */
  size: number;
  /** local (block) index → catalogue index, ascending */
  toGlobal: Int32Array;
  /** catalogue index → local index, −1 when not covered */
  toLocal: Int32Array;
  /** true when every item is covered (maps are the identity) */
  whole: boolean;
}

/** The `max` items with the largest `popularity` (ties: lower index), or the whole catalogue when it is smaller. */
export function itemBlock(popularity: ArrayLike<number>, max = MAX_DENSE_ITEMS): ItemBlock {
  const n = popularity.length;
  let toGlobal: Int32Array;
  if (n <= max) toGlobal = Int32Array.from({ length: n }, (_, i) => i);
  else {
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => popularity[b]! - popularity[a]! || a - b);
    toGlobal = Int32Array.from(order.slice(0, max)).sort();
  }
  const toLocal = new Int32Array(n).fill(-1);
  toGlobal.forEach((g, l) => (toLocal[g] = l));
  return { size: toGlobal.length, toGlobal, toLocal, whole: toGlobal.length === n };
}

/** Column sums of a CSR matrix (`value` null = binary): the popularity an {@link itemBlock} ranks by. */
export function columnSums(item: Int32Array, value: ArrayLike<number> | null, nItems: number): Float64Array {
  const s = new Float64Array(nItems);
  for (let p = 0; p < item.length; p++) s[item[p]!]! += value ? value[p]! : 1;
  return s;
}

/** A CSR user×item matrix restricted to the block's items, with local item indices. */
export function restrictRows(
  rowStart: Int32Array, item: Int32Array, value: ArrayLike<number> | null, block: ItemBlock,
): { rowStart: Int32Array; item: Int32Array; value: ArrayLike<number> | null } {
  if (block.whole) return { rowStart, item, value };
  const rows = rowStart.length - 1;
  const outStart = new Int32Array(rows + 1);
  const outItem: number[] = [];
  const outValue: number[] = [];
  for (let u = 0; u < rows; u++) {
    for (let p = rowStart[u]!; p < rowStart[u + 1]!; p++) {
      const l = block.toLocal[item[p]!]!;
      if (l < 0) continue;
      outItem.push(l);
      if (value) outValue.push(value[p]!);
    }
    outStart[u + 1] = outItem.length;
  }
  return { rowStart: outStart, item: Int32Array.from(outItem), value: value ? Float32Array.from(outValue) : null };
}

/** Neighbour lists fitted on a block, re-indexed to the whole catalogue (uncovered items get none). */
export function liftNeighbours(nb: SparseNeighbours, block: ItemBlock, nItems: number): SparseNeighbours {
  if (block.whole) return nb;
  const w = nb.width;
  const index = new Int32Array(nItems * w).fill(-1);
  const weight = new Float32Array(nItems * w);
  for (let l = 0; l < block.size; l++) {
    const g = block.toGlobal[l]!;
    for (let r = 0; r < w; r++) {
      const j = nb.index[l * w + r]!;
      if (j < 0) continue;
      index[g * w + r] = block.toGlobal[j]!;
      weight[g * w + r] = nb.weight[l * w + r]!;
    }
  }
  return { n: nItems, width: w, index, weight };
}

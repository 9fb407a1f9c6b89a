import type { Scorer } from './list-eval';
import type { Snapshot } from './snapshot';
import { accumulateDense, accumulateSparse, type SparseNeighbours } from './ease';
import type { ItemBlock } from './item-block';

/** Popularity: number of distinct buyers before the anchor. */
export function popularityScorer(snap: Snapshot): Scorer {
  const pop = snap.itemStats.buyers;
  return (_u, out) => {
    for (let i = 0; i < out.length; i++) out[i] = pop[i]!;
  };
}

/**
 * Personal purchase frequency: the user's purchase-line count per item, popularity breaking ties (so users
 * with short histories still get full lists). With `decayed`, lines are weighted by recency instead.
 */
export function personalScorer(snap: Snapshot, decayed = false): Scorer {
  const pop = snap.itemStats.buyers;
  let maxPop = 1;
  for (const v of pop) maxPop = Math.max(maxPop, v);
  return (u, out) => {
    for (let i = 0; i < out.length; i++) out[i] = pop[i]! / (maxPop + 1);
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
      if (snap.lines[p]! <= 0) continue;
      out[snap.item[p]!]! += decayed ? 1 + 1e3 * snap.decShort[p]! : 1e3 * snap.lines[p]!;
    }
  };
}

/**
 * `personal_ease` over a dense item-item matrix `w` fitted on `block` (and the links of the items outside it,
 * `tail`: ease-tail.ts): α · the customer's share of decayed buys + (1 − α) · the share of the positive votes those
 * buys cast. The harness's own implementation, a reference for production's over the sparse neighbours
 * (list-policy.ts): the two agree up to what the neighbour cut-off drops.
 */
export function personalEaseScorer(snap: Snapshot, w: Float32Array, block: ItemBlock, alpha: number, tail?: SparseNeighbours): Scorer {
  const pop = snap.itemStats.buyers;
  let maxPop = 1;
  for (const v of pop) maxPop = Math.max(maxPop, v);
  const local = new Float64Array(block.size);
  const votes = new Float64Array(snap.itemIds.length);
  return (u, out) => {
    for (let i = 0; i < out.length; i++) out[i] = (1e-6 * pop[i]!) / (maxPop + 1);
    const { items, weights, total: own } = decayedBuys(snap, u);
    if (own <= 0) return;
    items.forEach((i, k) => (out[i]! += (alpha * weights[k]!) / own));
    local.fill(0);
    votes.fill(0);
    const inBlock = items.map((i) => block.toLocal[i]!);
    accumulateDense(local, w, block.size, inBlock.filter((l) => l >= 0), weights.filter((_, k) => inBlock[k]! >= 0));
    block.toGlobal.forEach((g, l) => (votes[g] = local[l]!));
    if (tail) accumulateSparse(votes, tail, items, weights);
    let total = 0;
    for (const v of votes) if (v > 0) total += v;
    if (total <= 0) return;
    for (let i = 0; i < votes.length; i++) if (votes[i]! > 0) out[i]! += ((1 - alpha) * votes[i]!) / total;
  };
}

/** A customer's bought items, their decayed (long half-life) weights and the weights' total: `personal_ease`'s own half. */
export function decayedBuys(snap: Snapshot, u: number): { items: number[]; weights: number[]; total: number } {
  const items: number[] = [];
  const weights: number[] = [];
  let total = 0;
  for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
    if (snap.lines[p]! <= 0 || !(snap.decLong[p]! > 0)) continue;
    items.push(snap.item[p]!);
    weights.push(snap.decLong[p]!);
    total += snap.decLong[p]!;
  }
  return { items, weights, total };
}

/** Purchased items of a user (snapshot indices) — the binary rows the item-item baselines use. */
export function purchasedItems(snap: Snapshot, u: number): number[] {
  const items: number[] = [];
  for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) if (snap.lines[p]! > 0) items.push(snap.item[p]!);
  return items;
}

/**
 * Item-item scorer over a dense weight matrix (EASE's B, or cosine for item-kNN): score = x_u · W. A matrix fitted
 * on `block` (the most-bought items) adds the links `tail` gives the items outside it, when given (ease-tail.ts).
 */
export function itemItemScorer(snap: Snapshot, w: Float32Array, block?: ItemBlock, tail?: SparseNeighbours): Scorer {
  if (!block || block.whole) {
    const n = snap.itemIds.length;
    return (u, out) => accumulateDense(out, w, n, purchasedItems(snap, u), null);
  }
  // Fitted on the most popular items only: score in block indices, then scatter back.
  const local = new Float64Array(block.size);
  return (u, out) => {
    local.fill(0);
    const bought = purchasedItems(snap, u);
    accumulateDense(local, w, block.size, bought.map((i) => block.toLocal[i]!).filter((l) => l >= 0), null);
    block.toGlobal.forEach((g, l) => (out[g]! += local[l]!));
    if (tail) accumulateSparse(out, tail, bought, null);
  };
}

/** CSR of the binary purchase matrix (rows = snapshot users), for Gram matrices. */
export function purchaseCsr(snap: Snapshot): { rowStart: Int32Array; item: Int32Array } {
  const rowStart = new Int32Array(snap.userIds.length + 1);
  const items: number[] = [];
  for (let u = 0; u < snap.userIds.length; u++) {
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) if (snap.lines[p]! > 0) items.push(snap.item[p]!);
    rowStart[u + 1] = items.length;
  }
  return { rowStart, item: Int32Array.from(items) };
}

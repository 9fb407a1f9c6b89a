import type { Snapshot } from './snapshot';

/** Per-item counts of a snapshot's customers: buyers (a purchase line) and interactors (any event). */
export interface ItemReach {
  buyers: Float64Array;
  interactors: Float64Array;
}

export function itemReach(snap: Snapshot): ItemReach {
  const n = snap.itemIds.length;
  const buyers = new Float64Array(n);
  const interactors = new Float64Array(n);
  for (let p = 0; p < snap.item.length; p++) {
    const i = snap.item[p]!;
    interactors[i]! += 1;
    if (snap.lines[p]! > 0) buyers[i]! += 1;
  }
  return { buyers, interactors };
}

/**
 * Cosine between a target (a set of items, as a mask) and every item, over customer sets: |C_T ∩ C_j| /
 * √(|C_T|·|C_j|), where C is who bought (`anyEvent` false) or who touched it in any way (true: co-viewing).
 * One pass over the target's customers' rows: no item × item matrix.
 */
export function targetCosine(snap: Snapshot, inTarget: Uint8Array, reach: ItemReach, anyEvent: boolean): Float64Array {
  const n = snap.itemIds.length;
  const co = new Float64Array(n);
  const size = anyEvent ? reach.interactors : reach.buyers;
  let targetCustomers = 0;
  for (let u = 0; u < snap.userIds.length; u++) {
    let hit = false;
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]! && !hit; p++) hit = inTarget[snap.item[p]!] === 1 && (anyEvent || snap.lines[p]! > 0);
    if (!hit) continue;
    targetCustomers++;
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) if (anyEvent || snap.lines[p]! > 0) co[snap.item[p]!]! += 1;
  }
  for (let j = 0; j < n; j++) co[j] = co[j]! > 0 ? co[j]! / Math.sqrt(targetCustomers * size[j]!) : 0;
  return co;
}

/** A mask over the snapshot's items with the given indices set. */
export function itemMask(n: number, items: ArrayLike<number>): Uint8Array {
  const m = new Uint8Array(n);
  for (let i = 0; i < items.length; i++) m[items[i]!] = 1;
  return m;
}

import type { CatalogueView } from './catalogue';
import type { SegmentInput } from './segments';
import { DAY, type Snapshot } from './snapshot';

/**
 * The segmentation's inputs for every customer of a snapshot: RFM and tenure from the snapshot, the given
 * purchase-intent probabilities, the event mix over all their events before the anchor (counted by the
 * snapshot), and taste as the share of their (decayed, type-weighted) interest per taste group of the catalogue view.
 */
export function segmentInput(snap: Snapshot, cat: CatalogueView, intent: ArrayLike<number>): SegmentInput {
  const n = snap.userIds.length;
  const us = snap.user;
  const mix = us.mixAll;
  const g = cat.groups.length;
  const taste = new Float32Array(n * g);
  for (let u = 0; u < n; u++) {
    let total = 0;
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
      const grp = cat.group[snap.item[p]!]!;
      total += snap.decLong[p]!;
      if (grp >= 0) taste[u * g + grp]! += snap.decLong[p]!;
    }
    if (total > 0) for (let j = 0; j < g; j++) taste[u * g + j]! /= total;
  }
  const share = (t: number): Float64Array => Float64Array.from({ length: n }, (_, u) => {
    const all = mix[u * 4]! + mix[u * 4 + 1]! + mix[u * 4 + 2]! + mix[u * 4 + 3]!;
    return all > 0 ? mix[u * 4 + t]! / all : 0;
  });
  const lastSeen = (u: number): number => (us.lastBuyTs[u]! > -Infinity ? us.lastBuyTs[u]! : us.lastTs[u]!);
  return {
    userIds: snap.userIds,
    recencyDays: Float64Array.from({ length: n }, (_, u) => (snap.anchor - lastSeen(u)) / DAY),
    frequency: us.baskets,
    monetary: us.monetary,
    tenureDays: Float64Array.from({ length: n }, (_, u) => (snap.anchor - us.firstTs[u]!) / DAY),
    intent,
    searchShare: share(0),
    viewShare: share(1),
    cartShare: share(2),
    taste,
    groups: cat.groups,
  };
}

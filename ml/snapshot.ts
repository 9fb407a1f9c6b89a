import { SnapshotBuilder } from './snapshot-builder';
import type { Snapshot, SnapshotOptions } from './snapshot-types';
import type { EventRecord } from './types';

export * from './snapshot-types';
export { SnapshotBuilder, type BuilderOptions } from './snapshot-builder';

/** Aggregates all events strictly before `anchor` into per-user, per-item and per-(user, item) statistics. */
export function buildSnapshot(events: readonly EventRecord[], anchor: number, opts: SnapshotOptions = {}): Snapshot {
  const userFilter = opts.userIds ? new Set(opts.userIds) : null;
  let itemIds: readonly string[];
  if (opts.itemIds) itemIds = opts.itemIds;
  else {
    const s = new Set<string>();
    for (const e of events) if (e.ts < anchor && e.itemId !== null) s.add(e.itemId);
    itemIds = [...s].sort();
  }
  const byUser = new Map<string, EventRecord[]>();
  for (const e of events) {
    if (e.ts >= anchor) continue;
    if (userFilter && !userFilter.has(e.userId)) continue;
    let l = byUser.get(e.userId);
    if (!l) byUser.set(e.userId, (l = []));
    l.push(e);
  }
  const userIds = opts.userIds ? opts.userIds.filter((u) => byUser.has(u)) : [...byUser.keys()].sort();
  const builder = new SnapshotBuilder(anchor, itemIds, opts);
  builder.add(byUser, userIds, opts.returns);
  return builder.finish('added');
}

/**
 * Distinct known items each user purchased in [from, to): the relevant sets of a window. Users come in the order
 * of their first purchase in the window (then by id), not in the order events were read: the ranker learns from
 * them in this order, so a file and the same events loaded back from the database train the same model.
 */
export function purchasesInWindow(
  events: readonly EventRecord[], from: number, to: number, itemIndex: ReadonlyMap<string, number>,
): Map<string, Set<number>> {
  const sets = new Map<string, Set<number>>();
  const first = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'purchase' || e.ts < from || e.ts >= to || e.itemId === null) continue;
    const i = itemIndex.get(e.itemId);
    if (i === undefined) continue;
    let s = sets.get(e.userId);
    if (!s) sets.set(e.userId, (s = new Set()));
    s.add(i);
    const f = first.get(e.userId);
    if (f === undefined || e.ts < f) first.set(e.userId, e.ts);
  }
  const users = [...sets.keys()].sort((a, b) => first.get(a)! - first.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
  return new Map(users.map((u) => [u, sets.get(u)!]));
}

/** Users with any purchase in [from, to) (intent labels). */
export function buyersInWindow(events: readonly EventRecord[], from: number, to: number): Set<string> {
  const s = new Set<string>();
  for (const e of events) if (e.type === 'purchase' && e.ts >= from && e.ts < to) s.add(e.userId);
  return s;
}


import { storeSummary, type StoreSummary } from '../../db/events';
import type { Db } from '../../db/knex';
import { require_ } from '../../config/errors';

/** The live training store's summary; a job that needs the store fails (not retried) when preprocess never built one. */
export async function requireStore(db: Db, job: string): Promise<StoreSummary> {
  const summary = await storeSummary(db);
  require_(summary !== null, `${job}: no training store: run preprocess first`);
  require_(summary.events > 0, `${job}: the training store holds no events: ingest events and run preprocess`);
  return summary;
}

/**
 * Item ids a job excludes that the store still holds (preprocess cleaned with its own list): these are left out
 * when the job reads the store; null when there are none. Ids compare upper-cased, as cleaning compares them.
 * (Items preprocess excluded are gone from the store: a job cannot bring them back.)
 */
export function extraExclusions(summary: StoreSummary, wanted: readonly string[]): Set<string> | null {
  const done = new Set(summary.excludedItemIds.map((s) => s.toUpperCase()));
  const extra = new Set(wanted.map((s) => s.toUpperCase()).filter((s) => !done.has(s)));
  return extra.size > 0 ? extra : null;
}

/** Events without the extra excluded items (the same array when there are none). */
export function withoutItems<E extends { itemId: string | null }>(events: E[], excluded: Set<string> | null): E[] {
  if (!excluded) return events;
  return events.filter((e) => e.itemId === null || !excluded.has(e.itemId.toUpperCase()));
}

import { bucketStats, planSample, readStorePages, STORE_BUCKETS, storeItemSpans, type BucketRange, type StoreSummary } from '../../db/events';
import type { Db } from '../../db/knex';
import { campaignItemIds, type FitSample } from '../../ml/campaign-run';
import { SnapshotBuilder, type Snapshot } from '../../ml/snapshot';
import type { EventRecord, ItemRecord } from '../../ml/types';
import { require_ } from '../../config/errors';
import { withoutItems } from './store-input';

/** What segment read from the training store. */
export interface SegmentStore {
  /** every customer at the store's as-of instant (its last clean event + 1 ms) */
  snap: Snapshot;
  /** what the churn, affinity and new-in models are fitted on */
  fit: FitSample;
  /** the fit sample against the whole store (recorded with the run) */
  sample: { sampled: boolean; customers: number; rows: number; ofCustomers: number; ofRows: number; budget: number };
}

/**
 * Reads the training store for a segmentation run in bounded memory: the item vocabulary and the as-of instant
 * from one grouped query, then every customer page by page into a snapshot (typed per-customer statistics and
 * (customer, item) rows; a page's events are dropped once reduced). Only the fit sample's events are kept: whole
 * customer buckets up to `fitMaxRows` rows, read first (all of the store on a shop below it).
 */
export async function readSegmentStore(
  db: Db, store: StoreSummary, o: { items: readonly ItemRecord[]; excluded: Set<string> | null; fitMaxRows: number; progress: (rows: number) => Promise<void> },
): Promise<SegmentStore> {
  const kept = (id: string | null): boolean => id === null || !o.excluded?.has(id.toUpperCase());
  const spans = (await storeItemSpans(db)).filter((s) => kept(s.itemId));
  const anchor = spans.reduce((m, s) => Math.max(m, s.lastAt), 0) + 1;
  const builder = new SnapshotBuilder(anchor, campaignItemIds(spans.flatMap((s) => (s.itemId === null ? [] : [s.itemId])), o.items));
  const plan = planSample(await bucketStats(db), o.fitMaxRows);
  const fit = { events: [] as EventRecord[], returns: [] as EventRecord[] };
  const ranges: [BucketRange, boolean][] = [[plan.range, true], [{ lo: plan.range.hi, hi: STORE_BUCKETS }, false]];
  let before = 0;
  for (const [range, inSample] of ranges) {
    if (range.lo >= range.hi) continue;
    let read = 0;
    for await (const page of readStorePages(db, range)) {
      const events = withoutItems(page.events, o.excluded);
      const returns = withoutItems(page.returns, o.excluded);
      builder.addEvents(events, returns);
      if (inSample) {
        for (const e of events) fit.events.push(e);
        for (const e of returns) fit.returns.push(e);
      }
      read = page.rowsRead;
      await o.progress(before + read);
    }
    before += read;
  }
  const snap = builder.finish('id');
  require_(snap.user.lines.some((n) => n > 0), 'no purchases to segment customers by: ingest events and run preprocess first');
  // The fits see item counts at the shop's scale: customers in the store per customer in the sample.
  const countScale = plan.sampled && plan.customers > 0 ? store.customers / plan.customers : 1;
  return {
    snap, fit: { ...fit, countScale },
    sample: { sampled: plan.sampled, customers: plan.customers, rows: plan.rows, ofCustomers: store.customers, ofRows: plan.totalRows, budget: o.fitMaxRows },
  };
}

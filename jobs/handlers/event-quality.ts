import { cleanWithReport, DROP_REASONS, type DropReason } from '../../ml/clean';
import type { EventRecord } from '../../ml/types';
import { BadInputError } from '../../config/errors';

/** Below this share of events kept, preprocess and train say so in their result (Bull Board, demo summary). */
export const KEPT_SHARE_WARNING = 0.5;

/** What cleaning did to a job's events: part of the preprocess and train results. */
export interface EventQuality {
  rawEvents: number;
  keptEvents: number;
  /** kept / raw, 4 decimals */
  keptShare: number;
  /** every reason with its count (0 when none) */
  droppedByReason: Record<DropReason, number>;
  /** kept purchases, and how many carried a price and a quantity in the file (the others count once, price unknown) */
  purchases: number;
  pricedPurchases: number;
  purchasesWithQuantity: number;
  /** what ops should look at; empty when nothing is odd */
  warnings: string[];
}

const WHY: Record<DropReason, string> = {
  excluded_item: 'excluded item ids (EXCLUDED_ITEM_IDS)',
  return_or_cancellation: 'returns or cancellations (purchases with a negative quantity)',
  zero_price: 'purchases priced 0 in a shop whose other purchases carry prices',
  purchase_without_item: 'purchases naming no item',
};

function describeDrops(dropped: Record<DropReason, number>): string {
  const parts = DROP_REASONS.filter((r) => dropped[r] > 0).map((r) => `${dropped[r].toLocaleString('en-US')} ${r} (${WHY[r]})`);
  return parts.length > 0 ? parts.join(', ') : 'none dropped';
}

/**
 * Cleans a job's raw events and reports every drop by reason. Keeping less than half is a warning in the
 * result; keeping none fails the job without retries (the same data would be dropped again), saying why.
 */
export function cleanForJob(
  raw: readonly EventRecord[], excludedItemIds: readonly string[], job: string,
): { events: EventRecord[]; quality: EventQuality } {
  const r = cleanWithReport(raw, { excludedItemIds });
  if (r.kept === 0) {
    throw new BadInputError(`${job}: kept none of ${r.raw.toLocaleString('en-US')} events: ${describeDrops(r.dropped)}`);
  }
  const keptShare = r.kept / Math.max(1, r.raw);
  const warnings: string[] = [];
  if (keptShare < KEPT_SHARE_WARNING) {
    warnings.push(`${job} kept ${(keptShare * 100).toFixed(1)}% of ${r.raw.toLocaleString('en-US')} events (less than half): ${describeDrops(r.dropped)}`);
  }
  if (r.purchases === 0) warnings.push(`${job}: no purchase among the kept events; train needs purchases to learn from`);
  return {
    events: r.events,
    quality: {
      rawEvents: r.raw, keptEvents: r.kept, keptShare: Math.round(keptShare * 1e4) / 1e4, droppedByReason: r.dropped,
      purchases: r.purchases, pricedPurchases: r.priced, purchasesWithQuantity: r.withQuantity, warnings,
    },
  };
}

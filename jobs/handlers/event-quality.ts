import { DROP_REASONS, type CleanReport, type DropReason } from '../../ml/clean';
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
 * What cleaning did to a job's events, summed over the pages it cleaned them in (preprocess cleans a shop page
 * by page). `finish` reports every drop by reason: keeping less than half is a warning in the result; keeping
 * none fails the job without retries (the same data would be dropped again), saying why.
 */
export class QualityTally {
  private raw = 0;
  private kept = 0;
  private readonly dropped: Record<DropReason, number> = { excluded_item: 0, return_or_cancellation: 0, zero_price: 0, purchase_without_item: 0 };
  private purchases = 0;
  private priced = 0;
  private withQuantity = 0;

  /** Adds one page's cleaning report. */
  add(r: Omit<CleanReport, 'events' | 'zeroPriceIsUnknown'>): void {
    this.raw += r.raw;
    this.kept += r.kept;
    for (const k of DROP_REASONS) this.dropped[k] += r.dropped[k];
    this.purchases += r.purchases;
    this.priced += r.priced;
    this.withQuantity += r.withQuantity;
  }

  /** Raw events counted so far. */
  get rawEvents(): number {
    return this.raw;
  }

  /** The job's quality report; throws BadInputError when nothing was kept. */
  finish(job: string): EventQuality {
    if (this.kept === 0) {
      throw new BadInputError(`${job}: kept none of ${this.raw.toLocaleString('en-US')} events: ${describeDrops(this.dropped)}`);
    }
    const keptShare = this.kept / Math.max(1, this.raw);
    const warnings: string[] = [];
    if (keptShare < KEPT_SHARE_WARNING) {
      warnings.push(`${job} kept ${(keptShare * 100).toFixed(1)}% of ${this.raw.toLocaleString('en-US')} events (less than half): ${describeDrops(this.dropped)}`);
    }
    if (this.purchases === 0) warnings.push(`${job}: no purchase among the kept events; train needs purchases to learn from`);
    return {
      rawEvents: this.raw, keptEvents: this.kept, keptShare: Math.round(keptShare * 1e4) / 1e4, droppedByReason: { ...this.dropped },
      purchases: this.purchases, pricedPurchases: this.priced, purchasesWithQuantity: this.withQuantity, warnings,
    };
  }
}

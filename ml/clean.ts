import type { EventRecord } from './types';

/** Options for {@link cleanEvents}. */
export interface CleanOptions {
  /** Item ids that are not products (fees, postage); compared upper-cased. */
  excludedItemIds?: readonly string[];
}

/** Why cleaning dropped an event (the keys of {@link CleanReport.dropped}). */
export const DROP_REASONS = ['excluded_item', 'return_or_cancellation', 'zero_price', 'purchase_without_item'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** What cleaning kept, what it dropped and why, and how many purchases carry a price and a quantity. */
export interface CleanReport {
  events: EventRecord[];
  raw: number;
  kept: number;
  /** every reason, 0 when none */
  dropped: Record<DropReason, number>;
  /** kept purchases, and how many of them carried a price / a quantity in the file */
  purchases: number;
  priced: number;
  withQuantity: number;
  /** true when no purchase in the file had a positive price: a 0 there means "unknown" and is kept */
  zeroPriceIsUnknown: boolean;
}

/**
 * Keeps the events a model may learn from, and says why it dropped the others:
 * - `excluded_item`: an excluded item id (fees, postage);
 * - `return_or_cancellation`: a purchase with a negative quantity (see {@link returnEvents});
 * - `zero_price`: a purchase with price 0 (a free sample, an adjustment) in a shop whose purchases carry prices;
 * - `purchase_without_item`: a purchase that names no item.
 * Price and quantity are optional: a purchase without a quantity counts once (quantity 1); a missing price stays
 * unknown (null), never 0. A file where no purchase has a positive price carries no prices at all: its zeros are
 * unknown too (null), so such a shop still trains. Views, carts and searches pass through untouched.
 */
export function cleanWithReport(events: readonly EventRecord[], opts: CleanOptions = {}): CleanReport {
  const excluded = new Set((opts.excludedItemIds ?? []).map((s) => s.toUpperCase()));
  let anyPositivePrice = false;
  for (const e of events) {
    if (e.type === 'purchase' && e.price !== null && e.price > 0) {
      anyPositivePrice = true;
      break;
    }
  }
  const dropped: Record<DropReason, number> = { excluded_item: 0, return_or_cancellation: 0, zero_price: 0, purchase_without_item: 0 };
  const out: EventRecord[] = [];
  let purchases = 0;
  let priced = 0;
  let withQuantity = 0;
  for (const e of events) {
    if (e.itemId !== null && excluded.has(e.itemId.toUpperCase())) {
      dropped.excluded_item++;
      continue;
    }
    if (e.type !== 'purchase') {
      out.push(e);
      continue;
    }
    if (e.itemId === null) {
      dropped.purchase_without_item++;
      continue;
    }
    if (e.quantity !== null && e.quantity <= 0) {
      dropped.return_or_cancellation++;
      continue;
    }
    let price = e.price;
    if (price !== null && price <= 0) {
      if (anyPositivePrice) {
        dropped.zero_price++;
        continue;
      }
      price = null;
    }
    purchases++;
    if (price !== null) priced++;
    if (e.quantity !== null) withQuantity++;
    out.push(e.quantity === null || price !== e.price ? { ...e, quantity: e.quantity ?? 1, price } : e);
  }
  return { events: out, raw: events.length, kept: out.length, dropped, purchases, priced, withQuantity, zeroPriceIsUnknown: !anyPositivePrice };
}

/** The events {@link cleanWithReport} keeps. */
export function cleanEvents(events: readonly EventRecord[], opts: CleanOptions = {}): EventRecord[] {
  return cleanWithReport(events, opts).events;
}

/**
 * The returns and cancellations among raw events (purchases with a negative quantity, products only): cleaning
 * drops them from what models learn items from, but how often a customer returns goods still tells how active
 * a trade customer they are (an intent feature).
 */
export function returnEvents(events: readonly EventRecord[], opts: CleanOptions = {}): EventRecord[] {
  const excluded = new Set((opts.excludedItemIds ?? []).map((s) => s.toUpperCase()));
  return events.filter((e) => e.type === 'purchase' && (e.quantity ?? 0) < 0 && e.itemId !== null && !excluded.has(e.itemId.toUpperCase()));
}

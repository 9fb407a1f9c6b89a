import type { EventRecord } from './types';

/** Options for {@link cleanEvents}. */
export interface CleanOptions {
  /** Item ids that are not products (fees, postage); compared upper-cased. */
  excludedItemIds?: readonly string[];
  /**
   * Whether any purchase of the shop has a positive price. Found from `events` when absent; given when a shop is
   * cleaned page by page, so that every page treats a zero price alike (dropped, or unknown when no price exists).
   */
  anyPositivePrice?: boolean;
}

/** Why cleaning dropped an event (the keys of {@link CleanReport.dropped}). */
export const DROP_REASONS = ['excluded_item', 'return_or_cancellation', 'zero_price', 'purchase_without_item'] as const;
export type DropReason = (typeof DROP_REASONS)[number];

/** What cleaning kept, what it dropped and why, and how many purchases carry a price and a quantity. */
export interface CleanReport<E extends EventRecord = EventRecord> {
  /** kept events: the input objects, or copies (extra fields included) where quantity or price were filled in */
  events: E[];
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
export function cleanWithReport<E extends EventRecord>(events: readonly E[], opts: CleanOptions = {}): CleanReport<E> {
  const excluded = new Set((opts.excludedItemIds ?? []).map((s) => s.toUpperCase()));
  const anyPositivePrice = opts.anyPositivePrice ?? hasPositivePrice(events);
  const dropped: Record<DropReason, number> = { excluded_item: 0, return_or_cancellation: 0, zero_price: 0, purchase_without_item: 0 };
  const out: E[] = [];
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

/** Whether any purchase carries a positive price (else a price of 0 means "unknown"). */
export function hasPositivePrice(events: readonly EventRecord[]): boolean {
  for (const e of events) if (e.type === 'purchase' && e.price !== null && e.price > 0) return true;
  return false;
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
export function returnEvents<E extends EventRecord>(events: readonly E[], opts: CleanOptions = {}): E[] {
  const excluded = new Set((opts.excludedItemIds ?? []).map((s) => s.toUpperCase()));
  return events.filter((e) => e.type === 'purchase' && (e.quantity ?? 0) < 0 && e.itemId !== null && !excluded.has(e.itemId.toUpperCase()));
}

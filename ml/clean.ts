import type { EventRecord } from './types';

/** Options for {@link cleanEvents}. */
export interface CleanOptions {
  /** Item ids that are not products (fees, postage); compared upper-cased. */
  excludedItemIds?: readonly string[];
}

/**
 * Keeps the events a model may learn from: purchases only with quantity > 0 and price > 0 (cancellations and
 * adjustments dropped), no excluded item ids; views, carts and searches pass through untouched.
 */
export function cleanEvents(events: readonly EventRecord[], opts: CleanOptions = {}): EventRecord[] {
  const excluded = new Set((opts.excludedItemIds ?? []).map((s) => s.toUpperCase()));
  return events.filter((e) => {
    if (e.itemId !== null && excluded.has(e.itemId.toUpperCase())) return false;
    if (e.type === 'purchase') {
      return e.itemId !== null && (e.quantity ?? 0) > 0 && (e.price ?? 0) > 0;
    }
    return true;
  });
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

import type { EventRecord } from './types';

/** Below this share of purchases with a price, spend and price features are left out of a model. */
export const MIN_PRICED_SHARE = 0.5;

/** Whether a model uses spend and price features, and why (stored in the model's params). */
export interface MonetaryUse {
  used: boolean;
  /** purchases with a known price / all purchases (1 when there are none) */
  pricedShare: number;
}

/** Decides from the (clean) events whether prices are known often enough to learn from. */
export function monetaryUse(events: readonly EventRecord[]): MonetaryUse {
  let purchases = 0;
  let priced = 0;
  for (const e of events) {
    if (e.type !== 'purchase') continue;
    purchases++;
    if (e.price !== null) priced++;
  }
  const pricedShare = purchases === 0 ? 1 : priced / purchases;
  return { used: pricedShare >= MIN_PRICED_SHARE, pricedShare };
}

/**
 * The events with every price unknown: when most purchases carry none, spend, basket value and price
 * features would describe which lines happened to be priced rather than the customer, so they drop out
 * (constant) for every customer, in training and in scoring alike.
 */
export function withoutPrices(events: readonly EventRecord[]): EventRecord[] {
  return events.map((e) => (e.price === null ? e : { ...e, price: null }));
}

/** A model's fallback line for a shop whose prices are left out. */
export function monetaryFallback(m: MonetaryUse): string | null {
  if (m.used) return null;
  return `monetary: ${(m.pricedShare * 100).toFixed(1)}% of purchases carry a price (< ${MIN_PRICED_SHARE * 100}%); spend and price features left out`;
}

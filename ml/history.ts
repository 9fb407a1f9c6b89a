import { InsufficientDataError } from './errors';
import { DAY } from './snapshot';
import type { EventRecord } from './types';

/** How much history lies before a cut-off: what every fallback decision reads. */
export interface HistorySpan {
  minTs: number;
  purchases: number;
  buyDays: number;
  /** asOf − first event, in ms (0 when there are no events) */
  span: number;
}

/** Measures the events strictly before `asOf`. */
export function historySpan(events: readonly EventRecord[], asOf: number): HistorySpan {
  let minTs = Infinity;
  let purchases = 0;
  const days = new Set<number>();
  for (const e of events) {
    if (e.ts >= asOf) continue;
    if (e.ts < minTs) minTs = e.ts;
    if (e.type === 'purchase') {
      purchases++;
      days.add(Math.floor(e.ts / DAY));
    }
  }
  return { minTs, purchases, buyDays: days.size, span: minTs === Infinity ? 0 : asOf - minTs };
}

/** Throws {@link InsufficientDataError} when there is truly nothing to learn from before `asOf`. */
export function requireHistory(h: HistorySpan, what: string): void {
  if (h.purchases === 0) throw new InsufficientDataError(`${what}: no purchases to learn from`);
  if (h.buyDays < 2) throw new InsufficientDataError(`${what}: purchases on ${h.buyDays} distinct day(s); at least 2 are needed`);
}

/**
 * Length (ms) of the labelled window a model can learn from before `asOf`: the horizon when at least two
 * horizons of history exist, otherwise half the history (whole days, at least one), so features and labels
 * both have data.
 */
export function labelWindow(h: HistorySpan, horizonMs: number): number {
  if (h.span >= 2 * horizonMs) return horizonMs;
  return Math.max(DAY, Math.floor(h.span / 2 / DAY) * DAY);
}

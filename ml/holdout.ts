import { DAY } from './snapshot';
import type { EventRecord } from './types';

/** Fewest test customers a holdout needs before its comparisons are trusted (else it is widened, then changed). */
export const MIN_HOLDOUT_USERS = 100;
/** Widest a horizon holdout is made, in horizons. */
const MAX_WIDEN = 4;

/** Which holdout ran: what every figure and every choice made on it is conditional on. */
export type HoldoutProtocol = 'last-horizon' | 'widened-horizon' | 'last-basket';

/** Where the holdout cuts the shop's clean events. */
export interface HoldoutPlan {
  protocol: HoldoutProtocol;
  /** models learn from events before this (the split); for last-basket, the end of the data */
  splitTs: number;
  /** the test window [testFromTs, testEndTs) (last-basket: all time, the held-out baskets only) */
  testFromTs: number;
  testEndTs: number;
  /** days in the test window (the horizon, a multiple of it, or 0 for last-basket) */
  testDays: number;
  /** last-basket: each held-out customer's basket key ({@link basketKey}) */
  heldOutBaskets?: ReadonlyMap<string, string>;
  /** customers with a purchase before the split and in the test window (what the figures average over) */
  testUsers: number;
  /** why this protocol, in words */
  note: string;
}

/** The basket an event belongs to: its session, else its customer's calendar day (as the snapshot counts baskets). */
export function basketKey(e: EventRecord): string {
  return e.sessionId ?? `d${Math.floor(e.ts / DAY)}`;
}

/** Whether an event belongs to its customer's held-out basket. */
export function inHeldOutBasket(e: EventRecord, baskets: ReadonlyMap<string, string> | undefined): boolean {
  return baskets !== undefined && baskets.get(e.userId) === basketKey(e);
}

/** Customers who bought before `split` and bought an item already sold before it within [from, to). */
export function countTestUsers(events: readonly EventRecord[], split: number, from: number, to: number): number {
  const before = new Set<string>();
  const items = new Set<string>();
  for (const e of events) {
    if (e.type === 'purchase' && e.ts < split && e.itemId !== null) {
      before.add(e.userId);
      items.add(e.itemId);
    }
  }
  const test = new Set<string>();
  for (const e of events) {
    if (e.type === 'purchase' && e.ts >= from && e.ts < to && e.itemId !== null && before.has(e.userId) && items.has(e.itemId)) test.add(e.userId);
  }
  return test.size;
}

/**
 * Picks the holdout on a shop's clean events: the last horizon when it holds at least `minUsers` test
 * customers; else the last 2, 3 or 4 horizons (while at least as much history stays before the split); else
 * each customer's last basket (customers with two or more), the rest of their history being the training data.
 * The last-basket protocol is not a forecast of the future window, so it is said in the plan's note.
 */
export function planHoldout(events: readonly EventRecord[], horizonDays: number, minUsers = MIN_HOLDOUT_USERS): HoldoutPlan {
  let minTs = Infinity;
  let lastTs = -Infinity;
  for (const e of events) {
    if (e.ts < minTs) minTs = e.ts;
    if (e.ts > lastTs) lastTs = e.ts;
  }
  const h = horizonDays * DAY;
  // The test window ends after the last day of data (that day counted whole, as EVALUATION.md's split does).
  const end = lastTs + DAY;
  let best: HoldoutPlan | null = null;
  for (let w = 1; w <= MAX_WIDEN; w++) {
    const split = lastTs - w * h;
    if (w > 1 && split - minTs < w * h) break;
    const testUsers = countTestUsers(events, split, split, end);
    const plan: HoldoutPlan = {
      protocol: w === 1 ? 'last-horizon' : 'widened-horizon', splitTs: split, testFromTs: split, testEndTs: split + (w * horizonDays + 1) * DAY,
      testDays: w * horizonDays, testUsers,
      note: w === 1
        ? `the last ${horizonDays} days: ${testUsers} test customers`
        : `the last ${horizonDays} days held fewer than ${minUsers} test customers; widened to the last ${w * horizonDays} days: ${testUsers}`,
    };
    if (testUsers >= minUsers) return plan;
    if (!best || testUsers > best.testUsers) best = plan;
  }
  const basket = lastBasketPlan(events, lastTs, horizonDays, minUsers);
  if (basket.testUsers >= minUsers || basket.testUsers > (best?.testUsers ?? 0)) return basket;
  return { ...best!, note: `${best!.note}; fewer than ${minUsers} test customers under any protocol (last basket: ${basket.testUsers}): figures are noisy` };
}

function lastBasketPlan(events: readonly EventRecord[], lastTs: number, horizonDays: number, minUsers: number): HoldoutPlan {
  // Each customer's baskets in time order: the last one is held out when there is at least one before it.
  const last = new Map<string, { key: string; ts: number }>();
  const baskets = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type !== 'purchase' || e.itemId === null) continue;
    const k = basketKey(e);
    let s = baskets.get(e.userId);
    if (!s) baskets.set(e.userId, (s = new Set()));
    s.add(k);
    const l = last.get(e.userId);
    if (!l || e.ts > l.ts || (e.ts === l.ts && k > l.key)) last.set(e.userId, { key: k, ts: e.ts });
  }
  const held = new Map<string, string>();
  for (const [u, s] of baskets) if (s.size >= 2) held.set(u, last.get(u)!.key);
  // Customers whose held-out basket holds an item sold elsewhere in the training data (others cannot be scored).
  const trainItems = new Set<string>();
  for (const e of events) if (e.type === 'purchase' && e.itemId !== null && !inHeldOutBasket(e, held)) trainItems.add(e.itemId);
  const test = new Set<string>();
  for (const e of events) if (e.type === 'purchase' && e.itemId !== null && inHeldOutBasket(e, held) && trainItems.has(e.itemId)) test.add(e.userId);
  return {
    protocol: 'last-basket', splitTs: lastTs + 1, testFromTs: -Infinity, testEndTs: Infinity, testDays: 0, heldOutBaskets: held,
    testUsers: test.size,
    note: `no horizon up to ${MAX_WIDEN * horizonDays} days held ${minUsers} test customers; each customer's last basket held out instead ` +
      `(${test.size} customers with two or more baskets): a next-basket test, not a forecast of the coming ${horizonDays} days`,
  };
}

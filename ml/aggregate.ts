import { DEFAULT_EVENT_WEIGHTS } from './snapshot';
import type { EventRecord, EventType } from './types';

const DAY_MS = 86_400_000;

export interface Interaction {
  userId: string;
  itemId: string;
  purchases: number;
  quantity: number;
  revenue: number;
  carts: number;
  views: number;
  searches: number;
  /** event-weighted, exponentially recency-decayed strength at `asOf` */
  weight: number;
  firstAt: number;
  lastAt: number;
}

export interface UserFeatures {
  userId: string;
  recencyDays: number;
  /** distinct orders: purchases grouped by (session or timestamp) */
  frequency: number;
  monetary: number;
  tenureDays: number;
  purchaseLines: number;
  events: number;
  firstAt: number;
  lastAt: number;
}

/** Folds events into one row per (user, item), with counts per type and a decayed weight as of `asOf`. */
export function aggregateInteractions(
  events: Iterable<EventRecord>,
  opts: { asOf: number; halfLifeDays?: number; weights?: Record<EventType, number> },
): Interaction[] {
  const weights = opts.weights ?? DEFAULT_EVENT_WEIGHTS;
  const lambda = Math.LN2 / ((opts.halfLifeDays ?? 90) * DAY_MS);
  const byKey = new Map<string, Interaction>();
  for (const e of events) {
    if (e.itemId === null || e.ts > opts.asOf) continue;
    const key = `${e.userId}\u0000${e.itemId}`;
    let row = byKey.get(key);
    if (!row) {
      row = { userId: e.userId, itemId: e.itemId, purchases: 0, quantity: 0, revenue: 0, carts: 0, views: 0, searches: 0, weight: 0, firstAt: e.ts, lastAt: e.ts };
      byKey.set(key, row);
    }
    switch (e.type) {
      case 'purchase':
        row.purchases += 1;
        row.quantity += e.quantity ?? 1;
        row.revenue += (e.quantity ?? 1) * (e.price ?? 0);
        break;
      case 'cart':
        row.carts += 1;
        break;
      case 'view':
        row.views += 1;
        break;
      case 'search':
        row.searches += 1;
        break;
    }
    row.weight += weights[e.type] * Math.exp(-lambda * (opts.asOf - e.ts));
    row.firstAt = Math.min(row.firstAt, e.ts);
    row.lastAt = Math.max(row.lastAt, e.ts);
  }
  return [...byKey.values()];
}

/** Recency, frequency, monetary value and tenure per user as of `asOf` (users with no purchase get frequency 0). */
export function computeUserFeatures(events: Iterable<EventRecord>, asOf: number): UserFeatures[] {
  const acc = new Map<string, UserFeatures & { orders: Set<string> }>();
  for (const e of events) {
    if (e.ts > asOf) continue;
    let u = acc.get(e.userId);
    if (!u) {
      u = { userId: e.userId, recencyDays: 0, frequency: 0, monetary: 0, tenureDays: 0, purchaseLines: 0, events: 0, firstAt: e.ts, lastAt: e.ts, orders: new Set() };
      acc.set(e.userId, u);
    }
    u.events += 1;
    u.firstAt = Math.min(u.firstAt, e.ts);
    u.lastAt = Math.max(u.lastAt, e.ts);
    if (e.type === 'purchase' && (e.quantity ?? 1) > 0) {
      u.purchaseLines += 1;
      u.monetary += (e.quantity ?? 1) * (e.price ?? 0);
      // An order is a session when the shop sends one; otherwise purchases at the same instant (one invoice).
      u.orders.add(e.sessionId ?? String(e.ts));
    }
  }
  return [...acc.values()].map(({ orders, ...u }) => ({
    ...u,
    frequency: orders.size,
    recencyDays: (asOf - u.lastAt) / DAY_MS,
    tenureDays: (asOf - u.firstAt) / DAY_MS,
  }));
}

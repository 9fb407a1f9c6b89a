/** Event types in ascending strength of intent. Stored in MySQL as their 1-based index. */
export const EVENT_TYPES = ['search', 'view', 'cart', 'purchase'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** One behavioural event, the shape every part of ml/ consumes (ids are the shop's own strings). */
export interface EventRecord {
  userId: string;
  /** null for searches that name no item */
  itemId: string | null;
  type: EventType;
  /** epoch milliseconds, UTC */
  ts: number;
  /** purchases: units; negative for cancellations / returns */
  quantity: number | null;
  /** unit price */
  price: number | null;
  /** search text, for searches */
  query: string | null;
  /** time on page, for views */
  dwellMs: number | null;
  sessionId: string | null;
}

/** Item metadata some models and reasons use (UCI has none of it: every field may be absent). */
export interface ItemRecord {
  itemId: string;
  title: string | null;
  category: string | null;
  price: number | null;
  inStock: boolean;
}

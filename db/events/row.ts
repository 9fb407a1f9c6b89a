/**
 * The events row: what one stored behavioural event is, in MySQL and in memory. Every module that writes,
 * encodes or reads events (ingest, the training store, the stages after it) takes its types, widths and type
 * codes from here, so the table, the bulk-load encoding and the readers cannot drift apart.
 */

/**
 * Event types in ascending strength of intent; a type's code in MySQL (`event_type`) is its 1-based position.
 * ml/types.ts keeps the same names in the same order for its own arrays (ml may not import db/):
 * test/unit/platform/event-row.test.ts fails when the two lists differ.
 */
export const EVENT_TYPE_NAMES = ['search', 'view', 'cart', 'purchase'] as const;
export type EventTypeName = (typeof EVENT_TYPE_NAMES)[number];

/** Stored code of each event type. */
export const EVENT_TYPE_CODE: Readonly<Record<EventTypeName, number>> = { search: 1, view: 2, cart: 3, purchase: 4 };

/** SQL true for a store row that is a return or cancellation (a purchase with a negative quantity), kept beside the clean events. */
export const RETURN_ROW_SQL = `(event_type = ${EVENT_TYPE_CODE.purchase} AND quantity < 0)`;

/** A stored event_type that is no known code: the row was written by something else, and no guess is safe. */
export class UnknownEventTypeError extends Error {
  constructor(readonly code: unknown) {
    super(`unknown event type code ${String(code)} in the events data (known: ${EVENT_TYPE_NAMES.map((n) => `${EVENT_TYPE_CODE[n]} ${n}`).join(', ')})`);
    this.name = 'UnknownEventTypeError';
  }
}

/** The type name of a stored code; throws UnknownEventTypeError (naming the code) for anything else. */
export function decodeEventType(code: number): EventTypeName {
  const name = Number.isInteger(code) ? EVENT_TYPE_NAMES[code - 1] : undefined;
  if (name === undefined) throw new UnknownEventTypeError(code);
  return name;
}

/**
 * Column widths (characters) of the raw-data tables (db/migrations/001-raw-data.ts): ids of users, items and
 * sessions, search text, item titles and category paths, and user attributes (JSON text). Ingest rejects a value
 * longer than its column instead of letting MySQL cut it.
 */
export const COLUMN_LIMITS = { id: 64, query: 255, title: 512, category: 512, attributes: 65535 } as const;

/** One behavioural event as the stages after ingest consume it (structurally ml's EventRecord). */
export interface StoredEvent {
  userId: string;
  /** null for searches that name no item */
  itemId: string | null;
  type: EventTypeName;
  /** epoch milliseconds, UTC */
  ts: number;
  /** purchases: units; negative for returns and cancellations */
  quantity: number | null;
  price: number | null;
  query: string | null;
  dwellMs: number | null;
  sessionId: string | null;
}

/** A validated event on its way into `events` by bulk load (ingest's row, before its key). */
export interface EventLoadRow {
  userId: string;
  itemId: string | null;
  /** EVENT_TYPE_CODE of its type */
  type: number;
  /** epoch milliseconds, UTC */
  ms: number;
  quantity: number | null;
  /** decimal text as given (validated: digits, sign and point only) */
  price: string | null;
  dwellMs: number | null;
  query: string | null;
  sessionId: string | null;
}

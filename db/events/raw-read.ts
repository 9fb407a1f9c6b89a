import type { Db } from '../knex';
import { fromSqlTime } from '../repositories/sql-util';
import { decodeEventType, EVENT_TYPE_CODE, type StoredEvent } from './row';

/** A raw event with its key (`events.event_key` as decimal text): what preprocess cleans into the store. */
export interface KeyedEvent extends StoredEvent {
  key: string;
}

interface RawRow {
  event_key: string | number;
  user_id: string;
  item_id: string | null;
  event_type: number;
  occurred_at: string;
  quantity: number | null;
  price: string | number | null;
  dwell_ms: number | null;
  query: string | null;
  session_id: string | null;
}

/**
 * Reads every raw event in key-range pages (keyset on the primary key: no long-held stream connection, memory
 * bound by the page). Only preprocess reads raw events; every later stage reads the training store.
 */
export async function* readRawEventPages(db: Db, pageSize = 100_000): AsyncGenerator<KeyedEvent[]> {
  let after: string | number = 0;
  for (;;) {
    const rows = (await db('events')
      .select('event_key', 'user_id', 'item_id', 'event_type', 'occurred_at', 'quantity', 'price', 'dwell_ms', 'query', 'session_id')
      .where('event_key', '>', after).orderBy('event_key').limit(pageSize)) as RawRow[];
    if (rows.length === 0) return;
    yield rows.map((r) => ({
      key: String(r.event_key), userId: r.user_id, itemId: r.item_id, type: decodeEventType(r.event_type), ts: fromSqlTime(r.occurred_at),
      quantity: r.quantity, price: r.price === null ? null : Number(r.price), query: r.query, dwellMs: r.dwell_ms, sessionId: r.session_id,
    }));
    after = rows[rows.length - 1]!.event_key;
    if (rows.length < pageSize) return;
  }
}

/** Whether any purchase carries a positive price (if none, a price of 0 means "unknown": see ml/clean.ts). */
export async function anyPricedPurchase(db: Db): Promise<boolean> {
  const row = (await db('events').select(db.raw('1 AS x')).where({ event_type: EVENT_TYPE_CODE.purchase }).andWhere('price', '>', 0).first()) as { x: number } | undefined;
  return row !== undefined;
}

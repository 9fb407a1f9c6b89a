import type { Db } from '../knex';
import { fromSqlTime } from './sql-util';

const TYPES = ['search', 'view', 'cart', 'purchase'] as const;

/** An event as stored, in the shape ml/ consumes (structurally the same as ml's EventRecord). */
export interface StoredEvent {
  userId: string;
  itemId: string | null;
  type: (typeof TYPES)[number];
  ts: number;
  quantity: number | null;
  price: number | null;
  query: string | null;
  dwellMs: number | null;
  sessionId: string | null;
}

interface EventRow {
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

/** A slice of the customers: those whose CRC32(user_id) mod `of` is `index` (a scoring shard). */
export interface UserBucket {
  index: number;
  of: number;
}

/**
 * Reads every event (or only a bucket's customers' events) in key-range pages: no long-held stream
 * connection, memory bound by the page, and `onPage` gets the running count so long loads can report progress.
 * A bucket is filtered by the server during its scan, so a shard job receives only its customers' rows.
 */
export async function loadAllEvents(
  db: Db, onPage?: (loaded: number) => Promise<void> | void, pageSize = 100_000, bucket?: UserBucket,
): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  let after: string | number = 0;
  for (;;) {
    const q = db('events')
      .select('event_key', 'user_id', 'item_id', 'event_type', 'occurred_at', 'quantity', 'price', 'dwell_ms', 'query', 'session_id')
      .where('event_key', '>', after);
    if (bucket && bucket.of > 1) q.whereRaw('CRC32(user_id) % ? = ?', [bucket.of, bucket.index]);
    const rows = (await q.orderBy('event_key').limit(pageSize)) as EventRow[];
    for (const r of rows) {
      out.push({
        userId: r.user_id,
        itemId: r.item_id,
        type: TYPES[r.event_type - 1] ?? 'view',
        ts: fromSqlTime(r.occurred_at),
        quantity: r.quantity,
        price: r.price === null ? null : Number(r.price),
        query: r.query,
        dwellMs: r.dwell_ms,
        sessionId: r.session_id,
      });
    }
    const last = rows[rows.length - 1];
    if (!last) break;
    after = last.event_key;
    await onPage?.(out.length);
    if (rows.length < pageSize) break;
  }
  return out;
}

/** Number of distinct customers with any event (sizes the scoring fan-out). */
export async function countUsers(db: Db): Promise<number> {
  const [row] = await db('events').countDistinct<{ n: number | string }[]>({ n: 'user_id' });
  return Number(row?.n ?? 0);
}

/** Number of stored events. */
export async function countEvents(db: Db): Promise<number> {
  const [row] = await db('events').count<{ n: number | string }[]>({ n: '*' });
  return Number(row?.n ?? 0);
}

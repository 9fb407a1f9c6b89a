import type { Db } from '../knex';
import { fromSqlTime } from '../repositories/sql-util';
import { ALL_BUCKETS, type BucketRange, type BucketStat } from './buckets';
import { decodeEventType, EVENT_TYPE_CODE, RETURN_ROW_SQL, type StoredEvent } from './row';

/** The live store's tables, or the ones preprocess is building beside them (read before the swap). */
export interface StoreTables {
  events: string;
  buckets: string;
}
export const LIVE_STORE: StoreTables = { events: 'training_events', buckets: 'training_buckets' };

/** What preprocess recorded about the live store. */
export interface StoreSummary {
  buckets: number;
  rawEvents: number;
  events: number;
  returns: number;
  customers: number;
  firstAt: number | null;
  lastAt: number | null;
  asOf: number;
  excludedItemIds: string[];
  /** the clean-quality report of the preprocess run that built it */
  quality: Record<string, unknown>;
  builtAt: number;
}

const json = <T>(v: unknown): T => (typeof v === 'string' ? (JSON.parse(v) as T) : (v as T));

interface SummaryRow {
  buckets: number; raw_events: number | string; events: number | string; returns: number | string; customers: number;
  first_at: string | null; last_at: string | null; as_of: string; excluded_item_ids: unknown; quality: unknown; built_at: string;
}

/** The live store's summary, or null when preprocess has never built one. */
export async function storeSummary(db: Db): Promise<StoreSummary | null> {
  const r = (await db('training_store').where({ id: 1 }).first()) as SummaryRow | undefined;
  if (!r) return null;
  const time = (v: string | null): number | null => (v === null ? null : fromSqlTime(v));
  return {
    buckets: Number(r.buckets), rawEvents: Number(r.raw_events), events: Number(r.events), returns: Number(r.returns), customers: Number(r.customers),
    firstAt: time(r.first_at), lastAt: time(r.last_at), asOf: fromSqlTime(r.as_of), excludedItemIds: json<string[]>(r.excluded_item_ids),
    quality: json<Record<string, unknown>>(r.quality), builtAt: fromSqlTime(r.built_at),
  };
}

/** Per-bucket counts (non-empty buckets only), in bucket order. */
export async function bucketStats(db: Db, tables: StoreTables = LIVE_STORE): Promise<BucketStat[]> {
  const rows = (await db(tables.buckets).select('bucket', 'customers', 'events', 'returns').orderBy('bucket')) as Record<string, number | string>[];
  return rows.map((r) => ({ bucket: Number(r.bucket), customers: Number(r.customers), events: Number(r.events), returns: Number(r.returns) }));
}

/** One item of the store's clean events and the time of its last one (itemId null: searches that name no item). */
export interface StoreItemSpan {
  itemId: string | null;
  lastAt: number;
}

/**
 * Every item id of the store's clean events with the time of its last event, from one grouped scan that holds no
 * rows: a job that reads the whole store page by page learns its item vocabulary and its as-of instant first.
 */
export async function storeItemSpans(db: Db, tables: StoreTables = LIVE_STORE): Promise<StoreItemSpan[]> {
  const [rows] = (await db.raw(
    `SELECT item_id, MAX(occurred_at) AS last_at FROM ?? WHERE (CASE WHEN ${RETURN_ROW_SQL} THEN 1 ELSE 0 END) = 0 GROUP BY item_id`, [tables.events],
  )) as [{ item_id: string | null; last_at: string }[], unknown];
  return rows.map((r) => ({ itemId: r.item_id, lastAt: fromSqlTime(String(r.last_at)) }));
}

/** Complete customers' rows of the store: clean events and, apart, returns and cancellations. */
export interface StorePage {
  /** customers with at least one clean event, in store order (bucket, then id) */
  userIds: string[];
  events: StoredEvent[];
  returns: StoredEvent[];
  /** rows read so far in this range (progress) */
  rowsRead: number;
}

interface StoreRow {
  bucket: number;
  user_id: string;
  occurred_at: string;
  item_id: string | null;
  event_type: number;
  quantity: number | null;
  price: string | number | null;
  dwell_ms: number | null;
  query: string | null;
  session_id: string | null;
}

const COLUMNS = ['bucket', 'user_id', 'occurred_at', 'item_id', 'event_type', 'quantity', 'price', 'dwell_ms', 'query', 'session_id'];
const ORDER = ['bucket', 'user_id', 'occurred_at', 'event_key'];

/**
 * Turns rows into a page. Ids repeat a lot (a customer's rows are adjacent; items recur everywhere): each distinct
 * id is kept once per reader, which is most of the memory of events held in bulk.
 */
class PageDecoder {
  private readonly items = new Map<string, string>();
  private lastUser = '';
  rowsRead = 0;

  decode(rows: readonly StoreRow[]): StorePage {
    const page: StorePage = { userIds: [], events: [], returns: [], rowsRead: 0 };
    let lastCustomer: string | null = null;
    for (const r of rows) {
      const userId = r.user_id === this.lastUser ? this.lastUser : (this.lastUser = r.user_id);
      let itemId = r.item_id;
      if (itemId !== null) {
        const known = this.items.get(itemId);
        if (known === undefined) this.items.set(itemId, itemId);
        else itemId = known;
      }
      const e: StoredEvent = {
        userId, itemId, type: decodeEventType(r.event_type), ts: fromSqlTime(r.occurred_at), quantity: r.quantity,
        price: r.price === null ? null : Number(r.price), query: r.query, dwellMs: r.dwell_ms, sessionId: r.session_id,
      };
      if (r.event_type === EVENT_TYPE_CODE.purchase && r.quantity !== null && r.quantity < 0) page.returns.push(e);
      else {
        page.events.push(e);
        if (userId !== lastCustomer) page.userIds.push((lastCustomer = userId));
      }
    }
    this.rowsRead += rows.length;
    page.rowsRead = this.rowsRead;
    return page;
  }
}

/** Consecutive buckets grouped so that each group's rows fit `pageRows` (a bigger bucket is a group alone). */
function groupBuckets(stats: readonly BucketStat[], range: BucketRange, pageRows: number): { lo: number; hi: number; rows: number }[] {
  const groups: { lo: number; hi: number; rows: number }[] = [];
  for (const s of stats) {
    if (s.bucket < range.lo || s.bucket >= range.hi) continue;
    const n = s.events + s.returns;
    const last = groups[groups.length - 1];
    // Empty buckets in between hold no rows: a group simply spans them.
    if (last && last.rows + n <= pageRows) {
      last.hi = s.bucket + 1;
      last.rows += n;
    } else {
      groups.push({ lo: s.bucket, hi: s.bucket + 1, rows: n });
    }
  }
  return groups;
}

/**
 * Reads a bucket range of the store page by page, each page a set of complete customers (every row of a customer
 * is in one page), in primary-key order. Pages are planned from the bucket counts: consecutive buckets up to
 * `pageRows` rows are one range query; a bucket bigger than that is read customer by customer (keyset on the id),
 * so memory stays bound by the page (or by the one customer with more rows than a page).
 */
export async function* readStorePages(
  db: Db, range: BucketRange = ALL_BUCKETS, pageRows = 50_000, tables: StoreTables = LIVE_STORE,
): AsyncGenerator<StorePage> {
  const stats = await bucketStats(db, tables);
  const decoder = new PageDecoder();
  const select = () => db(tables.events).select(COLUMNS);
  for (const g of groupBuckets(stats, range, pageRows)) {
    if (g.rows <= pageRows) {
      const rows = (await select().where('bucket', '>=', g.lo).andWhere('bucket', '<', g.hi).orderBy(ORDER)) as StoreRow[];
      yield decoder.decode(rows);
      continue;
    }
    // One bucket with more rows than a page: customers in id order, the last (maybe cut) customer left to the next page.
    let after = '';
    for (;;) {
      let rows = (await select().where({ bucket: g.lo }).andWhere('user_id', '>', after).orderBy(ORDER).limit(pageRows)) as StoreRow[];
      if (rows.length === 0) break;
      const full = rows.length < pageRows;
      if (!full) {
        const lastUser = rows[rows.length - 1]!.user_id;
        const cut = rows.findIndex((r) => r.user_id === lastUser);
        // A single customer fills the page: read all of that customer's rows.
        rows = cut > 0 ? rows.slice(0, cut) : ((await select().where({ bucket: g.lo, user_id: lastUser }).orderBy(ORDER)) as StoreRow[]);
      }
      after = rows[rows.length - 1]!.user_id;
      yield decoder.decode(rows);
      if (full) break;
    }
  }
}

/** Every row of a bucket range at once (a training sample, a segmentation run): pages concatenated. */
export async function loadStoreRange(
  db: Db, range: BucketRange, onPage?: (rowsRead: number) => Promise<void> | void, pageRows = 50_000,
): Promise<{ userIds: string[]; events: StoredEvent[]; returns: StoredEvent[] }> {
  const out = { userIds: [] as string[], events: [] as StoredEvent[], returns: [] as StoredEvent[] };
  for await (const page of readStorePages(db, range, pageRows)) {
    for (const u of page.userIds) out.userIds.push(u);
    for (const e of page.events) out.events.push(e);
    for (const e of page.returns) out.returns.push(e);
    await onPage?.(page.rowsRead);
  }
  return out;
}

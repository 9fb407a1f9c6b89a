import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { Db } from '../knex';
import { toSqlTime } from '../repositories/sql-util';
import { HASH_PER_BUCKET, STORE_BUCKETS } from './buckets';
import type { KeyedEvent } from './raw-read';
import { EVENT_TYPE_CODE, RETURN_ROW_SQL as RETURN_SQL } from './row';
import type { StoreSummary, StoreTables } from './store-read';
import { escapeTsv } from './tsv-chunk';

/** Tables preprocess rebuilds beside the live ones (`<name>_next`) and swaps in together. */
const SWAPPED = ['training_events', 'training_buckets', 'training_store'] as const;
const next = (t: string): string => `${t}_next`;
const old = (t: string): string => `${t}_old`;

const STORE_COLUMNS = ['event_key', 'user_id', 'occurred_at', 'item_id', 'event_type', 'quantity', 'price', 'dwell_ms', 'query', 'session_id'] as const;

// Fixed text (no values): the bucket is computed by the server from the id as the row lands, once.
const LOAD_STORE_SQL =
  `LOAD DATA LOCAL INFILE 'store.tsv' INTO TABLE ${next('training_events')} CHARACTER SET utf8mb4 ` +
  "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' " +
  `(${STORE_COLUMNS.join(', ')}) SET bucket = CRC32(user_id) DIV ${HASH_PER_BUCKET}`;

/** What preprocess records about the store it built (training_store, one row; the rest is filled in here). */
export type StoreMeta = Omit<StoreSummary, 'buckets' | 'builtAt'>;

const N = '\\N';
const text = (s: string | null): string => (s === null ? N : escapeTsv(s));
const num = (v: number | null): string => (v === null ? N : String(v));

/** TSV lines of store rows (columns as STORE_COLUMNS). */
function storeLines(rows: readonly KeyedEvent[]): Buffer {
  const parts: string[] = new Array<string>(rows.length);
  for (let i = 0; i < rows.length; i++) {
    const e = rows[i]!;
    parts[i] = `${e.key}\t${escapeTsv(e.userId)}\t${toSqlTime(e.ts)}\t${text(e.itemId)}\t${EVENT_TYPE_CODE[e.type]}\t${num(e.quantity)}\t${num(e.price)}\t${num(e.dwellMs)}\t${text(e.query)}\t${text(e.sessionId)}\n`;
  }
  return Buffer.from(parts.join(''), 'utf8');
}

/**
 * One rebuild of the training store. Rows are bulk-loaded into a copy without a primary key (appends, in whatever
 * order the raw pages come), which `index()` then sorts into the (bucket, user, time) key in one pass: far cheaper
 * than inserting page after page into random places of a clustered index bigger than the buffer pool. `publish()`
 * swaps the copies in with one RENAME TABLE (atomic in MySQL/MariaDB): readers see the old store or the new one.
 * One build per database at a time: a named lock, held by a connection of its own for the whole build (released
 * with it if the process dies), makes a second preprocess wait for the first instead of rebuilding its copies.
 */
export class StoreBuild {
  /** The copies being built, for reading them back before the swap. */
  readonly tables: StoreTables = { events: next('training_events'), buckets: next('training_buckets') };
  private rows = 0;

  private constructor(private readonly db: Db, private readonly lock: Knex.Transaction) {}

  /**
   * Takes the build lock (waiting up to `waitSeconds` for another build; then throws, and the job is retried),
   * drops what an interrupted build left and creates empty copies of the live tables.
   */
  static async begin(db: Db, waitSeconds = 900): Promise<StoreBuild> {
    // A transaction only to pin one pool connection: GET_LOCK belongs to the connection that took it.
    const lock = await db.transaction();
    try {
      const [[row]] = (await lock.raw("SELECT GET_LOCK(CONCAT(DATABASE(), ':training-store-build'), ?) AS got", [waitSeconds])) as [[{ got: number | null }]];
      if (row.got !== 1) throw new Error(`another preprocess is still building the training store after ${waitSeconds} s`);
      await StoreBuild.createCopies(db);
    } catch (err) {
      await lock.rollback();
      throw err;
    }
    return new StoreBuild(db, lock);
  }

  private static async createCopies(db: Db): Promise<void> {
    for (const t of SWAPPED) {
      await db.schema.dropTableIfExists(next(t));
      await db.schema.dropTableIfExists(old(t));
      await db.raw('CREATE TABLE ?? LIKE ??', [next(t), t]);
    }
    await db.raw('ALTER TABLE ?? DROP PRIMARY KEY', [next('training_events')]);
  }

  /** Releases the build lock and its connection. */
  private async unlock(): Promise<void> {
    await this.lock.raw("SELECT RELEASE_LOCK(CONCAT(DATABASE(), ':training-store-build'))");
    await this.lock.commit();
  }

  /** Appends clean events and returns (rows with a negative purchase quantity) to the copy. */
  async append(rows: readonly KeyedEvent[]): Promise<void> {
    if (rows.length === 0) return;
    const tsv = storeLines(rows);
    await this.db.raw(LOAD_STORE_SQL).options({ infileStreamFactory: () => Readable.from([tsv]) });
    this.rows += rows.length;
  }

  /** Rows appended so far. */
  get appended(): number {
    return this.rows;
  }

  /** Builds the primary key (one sort) and the per-bucket counts. */
  async index(): Promise<void> {
    await this.db.raw('ALTER TABLE ?? ADD PRIMARY KEY (bucket, user_id, occurred_at, event_key)', [next('training_events')]);
    await this.db.raw(
      `INSERT INTO ?? (bucket, customers, events, returns) SELECT bucket, COUNT(DISTINCT CASE WHEN ${RETURN_SQL} THEN NULL ELSE user_id END), ` +
      `SUM(CASE WHEN ${RETURN_SQL} THEN 0 ELSE 1 END), SUM(CASE WHEN ${RETURN_SQL} THEN 1 ELSE 0 END) FROM ?? GROUP BY bucket`,
      [next('training_buckets'), next('training_events')],
    );
  }

  /** Records the summary and swaps every copy in at once; the replaced tables are dropped. */
  async publish(meta: StoreMeta): Promise<void> {
    await this.db(next('training_store')).insert({
      id: 1, buckets: STORE_BUCKETS, raw_events: meta.rawEvents, events: meta.events, returns: meta.returns, customers: meta.customers,
      first_at: meta.firstAt === null ? null : toSqlTime(meta.firstAt), last_at: meta.lastAt === null ? null : toSqlTime(meta.lastAt),
      as_of: toSqlTime(meta.asOf), excluded_item_ids: JSON.stringify(meta.excludedItemIds), quality: JSON.stringify(meta.quality), built_at: toSqlTime(Date.now()),
    });
    const pairs = SWAPPED.flatMap((t) => [t, old(t), next(t), t]);
    await this.db.raw(`RENAME TABLE ${SWAPPED.map(() => '?? TO ??, ?? TO ??').join(', ')}`, pairs);
    for (const t of SWAPPED) await this.db.schema.dropTableIfExists(old(t));
    await this.unlock();
  }

  /** Drops the copies (a build that failed) and releases the lock. */
  async abandon(): Promise<void> {
    try {
      for (const t of SWAPPED) await this.db.schema.dropTableIfExists(next(t));
    } finally {
      await this.unlock();
    }
  }
}

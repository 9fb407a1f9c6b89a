import { Readable } from 'node:stream';
import type { Knex } from 'knex';

/**
 * Column order of the tab-separated lines that loadEventLines expects. Lines use LOAD DATA's defaults:
 * fields separated by TAB, lines by LF, `\` escapes TAB/LF/`\` inside values, and `\N` is NULL. The 64-bit
 * event_key travels as two unsigned 32-bit halves (cheaper to print than a 64-bit integer in JavaScript).
 */
export const EVENT_LOAD_COLUMNS = [
  'event_key_high32',
  'event_key_low32',
  'user_id',
  'item_id',
  'event_type',
  'occurred_at',
  'quantity',
  'price',
  'dwell_ms',
  'query',
  'session_id',
  'batch_id',
] as const;

// Fixed text (no values): the file name is a placeholder, infileStreamFactory supplies the bytes from memory.
const LOAD_EVENTS_SQL =
  "LOAD DATA LOCAL INFILE 'events.tsv' IGNORE INTO TABLE events CHARACTER SET utf8mb4 " +
  "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' " +
  `(@key_high, @key_low, ${EVENT_LOAD_COLUMNS.slice(2).join(', ')}) ` +
  'SET event_key = (CAST(@key_high AS UNSIGNED) << 32) | CAST(@key_low AS UNSIGNED)';

/**
 * Appends events from in-memory TSV (columns as EVENT_LOAD_COLUMNS) with LOAD DATA LOCAL INFILE. Rows whose
 * event_key already exists are skipped (IGNORE). Returns the number of rows actually inserted.
 */
export async function loadEventLines(trx: Knex | Knex.Transaction, tsv: Buffer): Promise<number> {
  if (tsv.length === 0) return 0;
  const res = (await trx.raw(LOAD_EVENTS_SQL).options({ infileStreamFactory: () => Readable.from([tsv]) })) as [{ affectedRows: number }];
  return res[0].affectedRows;
}

/** Number of stored events (optionally of one batch). */
export async function countEvents(db: Knex, batchId?: number): Promise<number> {
  const q = db('events').count({ n: '*' });
  if (batchId !== undefined) void q.where({ batch_id: batchId });
  const [row] = (await q) as { n: number | string }[];
  return Number(row?.n ?? 0);
}

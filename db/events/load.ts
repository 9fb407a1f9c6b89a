import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import type { EventLoadRow } from './row';
import { escapeTsv, type ChunkBuffer } from './tsv-chunk';

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

/** An event key as two unsigned 32-bit halves (event_key = high * 2^32 + low). */
export interface KeyHalves {
  high: number;
  low: number;
}

const N = '\\N';

/** One line for loadEventLines (column order of EVENT_LOAD_COLUMNS), as text: what writeEventRow writes as bytes. */
export function eventLine(k: KeyHalves, r: EventLoadRow, batchId: number, timeText: string): string {
  const e = escapeTsv;
  return (
    k.high + '\t' + k.low + '\t' + e(r.userId) + '\t' + (r.itemId === null ? N : e(r.itemId)) + '\t' + r.type + '\t' + timeText + '\t' +
    (r.quantity ?? N) + '\t' + (r.price ?? N) + '\t' + (r.dwellMs ?? N) + '\t' + (r.query === null ? N : e(r.query)) + '\t' +
    (r.sessionId === null ? N : e(r.sessionId)) + '\t' + batchId + '\n'
  );
}

/** Writes one row for loadEventLines into a chunk (column order of EVENT_LOAD_COLUMNS). `timeText` is sqlTime(r.ms). */
export function writeEventRow(c: ChunkBuffer, k: KeyHalves, r: EventLoadRow, batchId: number, timeText: string): void {
  c.begin(k.high);
  // Worst case: UTF-8 triples every UTF-16 unit of the texts; numbers, NULLs and tabs fit in 160 bytes.
  c.reserve(3 * (r.userId.length + (r.itemId?.length ?? 0) + (r.query?.length ?? 0) + (r.sessionId?.length ?? 0)) + (r.price?.length ?? 0) + timeText.length + 160);
  c.int(k.high);
  c.tab();
  c.int(k.low);
  c.tab();
  c.text(r.userId);
  c.tab();
  if (r.itemId === null) c.nul();
  else c.text(r.itemId);
  c.tab();
  c.int(r.type);
  c.tab();
  c.ascii(timeText);
  c.tab();
  if (r.quantity === null) c.nul();
  else c.int(r.quantity);
  c.tab();
  // Validated decimal text: digits, sign and point only.
  if (r.price === null) c.nul();
  else c.ascii(r.price);
  c.tab();
  if (r.dwellMs === null) c.nul();
  else c.int(r.dwellMs);
  c.tab();
  if (r.query === null) c.nul();
  else c.text(r.query);
  c.tab();
  if (r.sessionId === null) c.nul();
  else c.text(r.sessionId);
  c.tab();
  c.int(batchId);
  c.end();
}

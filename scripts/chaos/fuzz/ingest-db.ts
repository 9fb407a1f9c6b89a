import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import type { Config } from '../../../config';
import type { Db } from '../../../db/knex';
import { IngestInputError } from '../../../ingest/errors';
import { runIngest } from '../../../ingest/runner';
import { describeCase, ingestFileCase, type IngestFileCase } from './ingest-cases';
import { checkParse, eventRowKey } from './ingest-check';
import { writeCaseFile } from './ingest-files';
import { messageProblems } from './judge';
import { expectNone } from './run';

/** What one end-to-end case found; `lost` counts partial writes (events stored that no checkpoint accounts for, or missing). */
export interface DbCaseResult {
  failures: string[];
  lost: number;
}

interface BatchRow {
  batch_id: number;
  status: string;
  rows_read: number | string;
  rows_accepted: number | string;
  rows_rejected: number | string;
  rows_duplicate: number | string;
}

const count = async (q: PromiseLike<{ n: number | string }[]>): Promise<number> => Number((await q)[0]?.n ?? 0);

async function ingestOnce(db: Db, config: Readonly<Config>, path: string, label: string, c: IngestFileCase): Promise<{ error: unknown }> {
  try {
    await runIngest({ db, config, sourceLabel: label }, path, { entity: c.entity, mapping: c.mapping as never, format: c.format, delimiter: c.delimiter });
    return { error: null };
  } catch (err) {
    return { error: err };
  }
}

interface StoredEvent {
  user_id: string;
  item_id: string | null;
  event_type: number;
  occurred_at: string;
  quantity: number | null;
  price: string | null;
  dwell_ms: number | null;
  query: string | null;
  session_id: string | null;
}

/** The batch's stored events against the validated ones: same rows, prices within DECIMAL(14,4)'s rounding. */
async function compareStored(db: Db, batchId: number, want: [string, number | null][]): Promise<string[]> {
  const rows = await db('events').where({ batch_id: batchId }).select<StoredEvent[]>('user_id', 'item_id', 'event_type', 'occurred_at', 'quantity', 'price', 'dwell_ms', 'query', 'session_id');
  const got: [string, number | null][] = rows.map((r) => [
    eventRowKey({ user: r.user_id, item: r.item_id, type: Number(r.event_type), at: r.occurred_at, quantity: r.quantity, dwell: r.dwell_ms, query: r.query, session: r.session_id }),
    r.price === null ? null : Math.round(Number(r.price) * 1e4),
  ]);
  const order = (a: [string, number | null], b: [string, number | null]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : (a[1] ?? -1) - (b[1] ?? -1));
  got.sort(order);
  const exp = [...want].sort(order);
  for (let i = 0; i < Math.max(got.length, exp.length); i++) {
    const g = got[i];
    const e = exp[i];
    const priceOk = g && e && (g[1] === null || e[1] === null ? g[1] === e[1] : Math.abs(g[1] - e[1]) <= 1);
    if (!g || !e || g[0] !== e[0] || !priceOk) {
      return [`batch ${batchId} stored ${JSON.stringify(g ?? null)} where the validator accepted ${JSON.stringify(e ?? null)} (row ${i + 1} of ${exp.length})`];
    }
  }
  return [];
}

interface StoredItem {
  item_id: string;
  title: string | null;
  category: string | null;
  price: string | null;
  in_stock: number;
}

/** Each accepted item as stored: the last line of its id wins (attributes merge, so they are not compared). */
async function compareItems(db: Db, want: Record<string, [string | null, string | null, number | null, boolean]>): Promise<string[]> {
  const ids = Object.keys(want);
  if (ids.length === 0) return [];
  const rows = await db('items').whereIn('item_id', ids).select<StoredItem[]>('item_id', 'title', 'category', 'price', 'in_stock');
  if (rows.length !== ids.length) return [`${ids.length} items accepted, ${rows.length} found by id (${JSON.stringify(ids.slice(0, 5))})`];
  for (const r of rows) {
    const w = want[r.item_id];
    if (!w) return [`stored item ${JSON.stringify(r.item_id)} matches no accepted id`];
    const price = r.price === null ? null : Math.round(Number(r.price) * 1e4);
    const priceOk = price === null || w[2] === null ? price === w[2] : Math.abs(price - w[2]) <= 1;
    if (r.title !== w[0] || r.category !== w[1] || !priceOk || Boolean(r.in_stock) !== w[3]) {
      return [`item ${JSON.stringify(r.item_id)} stored as ${JSON.stringify([r.title, r.category, price, Boolean(r.in_stock)])}, accepted as ${JSON.stringify(w)}`];
    }
  }
  return [];
}

/**
 * Property 2, one case: the file goes through the real runner into MariaDB twice. Each batch must end completed
 * or failed (never running); the events it stored must equal its accepted rows minus duplicates as its last
 * checkpoint recorded them (no partial chunk); a failure must be a clean IngestInputError; a completed batch must
 * agree with the database-free parser check; the second ingest must add nothing.
 */
export async function checkDbCase(db: Db, config: Readonly<Config>, dir: string, stem: string, c: IngestFileCase): Promise<DbCaseResult> {
  const path = await writeCaseFile(dir, stem, c);
  const label = `fuzz/${stem}`;
  const f: string[] = [];
  let lost = 0;
  try {
    const table = c.entity;
    const before = await count(db(table).count({ n: '*' }));
    const first = await ingestOnce(db, config, path, label, c);
    if (first.error !== null) {
      const e = first.error as Error;
      if (!(first.error instanceof IngestInputError)) f.push(`first ingest threw ${e.name}: ${String(e.message).slice(0, 300)}`);
      else f.push(...messageProblems('IngestInputError', e.message));
    }
    const batches = (await db('ingest_batches').where({ source: label }).orderBy('batch_id')) as BatchRow[];
    if (batches.length > 1) f.push(`${batches.length} batches for one ingest`);
    const b = batches[0];
    if (b) {
      if (b.status !== 'completed' && b.status !== 'failed') f.push(`batch ${b.batch_id} left ${b.status}`);
      if (table === 'events') {
        const stored = await count(db('events').where({ batch_id: b.batch_id }).count({ n: '*' }));
        const want = Number(b.rows_accepted) - Number(b.rows_duplicate);
        if (stored !== want) {
          f.push(`batch ${b.batch_id} (${b.status}) stored ${stored} events, its checkpoint says ${want} (accepted ${b.rows_accepted} - duplicate ${b.rows_duplicate})`);
          lost += Math.abs(stored - want);
        }
      }
      if (b.status === 'completed') {
        const o = await checkParse({ path, entity: c.entity, mapping: c.mapping, format: c.format, delimiter: c.delimiter, limits: { maxColumns: config.INGEST_MAX_COLUMNS, maxLineChars: config.INGEST_MAX_LINE_CHARS }, collect: true });
        const got = [Number(b.rows_read), Number(b.rows_accepted), Number(b.rows_rejected)];
        const want = [o.records, o.accepted, o.rejected];
        if (o.kind !== 'ok' || got.join() !== want.join()) f.push(`runner read/accepted/rejected ${got.join('/')} but the parser check gives ${o.kind} ${want.join('/')}`);
        // Stored exactly as validated (LOAD DATA IGNORE would otherwise clamp or alter a value silently).
        if (table === 'events' && Number(b.rows_duplicate) === 0 && o.rows && o.rows.length === o.accepted) f.push(...(await compareStored(db, b.batch_id, o.rows)));
        if (table === 'items' && o.items) f.push(...(await compareItems(db, o.items)));
      }
    } else if (first.error === null) {
      f.push('a completed ingest left no batch row');
    }
    const afterFirst = await count(db(table).count({ n: '*' }));
    if (afterFirst < before) f.push(`${table} shrank from ${before} to ${afterFirst}`);

    const second = await ingestOnce(db, config, path, label, c);
    if (second.error !== null && !(second.error instanceof IngestInputError)) f.push(`second ingest threw ${(second.error as Error).name}: ${String((second.error as Error).message).slice(0, 300)}`);
    const afterSecond = await count(db(table).count({ n: '*' }));
    if (afterSecond !== afterFirst) {
      f.push(`re-ingesting the same file changed ${table} from ${afterFirst} to ${afterSecond} rows`);
      if (table === 'events') lost += Math.abs(afterSecond - afterFirst);
    }
    const running = await count(db('ingest_batches').where({ status: 'running' }).count({ n: '*' }));
    if (running > 0) f.push(`${running} batches left running`);
  } finally {
    await rm(path, { force: true });
  }
  return { failures: f, lost };
}

// Case names must stay unique across runs on one database: batches are found by their source label.
let caseSeq = 0;

/** The end-to-end property over generated files (fewer cases: each is two ingests into MariaDB). */
export function dbProperty(db: Db, config: Readonly<Config>, dir: string, tally: { n: number; lost: number } = { n: 0, lost: 0 }): fc.IAsyncPropertyWithHooks<[IngestFileCase]> {
  return fc.asyncProperty(ingestFileCase, async (c) => {
    tally.n++;
    const r = await checkDbCase(db, config, dir, `db-${process.pid}-${++caseSeq}`, c);
    tally.lost += r.lost;
    expectNone(r.failures, () => describeCase(c));
  });
}

import { rm } from 'node:fs/promises';
import fc from 'fast-check';
import type { Config } from '../../../config';
import type { Db } from '../../../db/knex';
import { IngestInputError } from '../../../jobs/ingest/errors';
import { runIngest } from '../../../jobs/ingest/runner';
import { describeCase, ingestFileCase, type IngestFileCase } from './ingest-cases';
import { checkParse } from './ingest-check';
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
        const o = await checkParse({ path, entity: c.entity, mapping: c.mapping, format: c.format, delimiter: c.delimiter, limits: { maxColumns: config.INGEST_MAX_COLUMNS, maxLineChars: config.INGEST_MAX_LINE_CHARS } });
        const got = [Number(b.rows_read), Number(b.rows_accepted), Number(b.rows_rejected)];
        const want = [o.records, o.accepted, o.rejected];
        if (o.kind !== 'ok' || got.join() !== want.join()) f.push(`runner read/accepted/rejected ${got.join('/')} but the parser check gives ${o.kind} ${want.join('/')}`);
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

/** The end-to-end property over generated files (fewer cases: each is two ingests into MariaDB). */
export function dbProperty(db: Db, config: Readonly<Config>, dir: string, tally: { n: number; lost: number } = { n: 0, lost: 0 }): fc.IAsyncPropertyWithHooks<[IngestFileCase]> {
  return fc.asyncProperty(ingestFileCase, async (c) => {
    const r = await checkDbCase(db, config, dir, `db-${process.pid}-${++tally.n}`, c);
    tally.lost += r.lost;
    expectNone(r.failures, () => describeCase(c));
  });
}

import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import fc from 'fast-check';
import { describeCase, ingestFileCase, type IngestFileCase } from './ingest-cases';
import { expectedRecordLines, giantRecordLines, writeCaseFile, writeGiantFile, type GiantCase } from './ingest-files';
import { judgeParse } from './judge';
import type { ParsePool } from './parse-pool';
import { expectNone } from './run';

/** Per-case budget of a generated (small) file: far above what a healthy parser needs. */
export const CASE_BUDGET_MS = 10_000;

/**
 * Property 1: every generated file read through the ingest reader, mapping binding and validators ends in a
 * clean IngestInputError or with every record accounted for once (judge.ts), within the budget, in a worker
 * whose heap is capped.
 */
export function parserProperty(pool: ParsePool, dir: string, counter: { n: number } = { n: 0 }): fc.IAsyncPropertyWithHooks<[IngestFileCase]> {
  return fc.asyncProperty(ingestFileCase, async (c) => {
    const stem = `case-${process.pid}-${++counter.n}`;
    const path = await writeCaseFile(dir, stem, c);
    try {
      const o = await pool.check({ path, entity: c.entity, mapping: c.mapping, format: c.format, delimiter: c.delimiter }, CASE_BUDGET_MS);
      expectNone(
        judgeParse(o, (f) => expectedRecordLines(c, f), CASE_BUDGET_MS),
        () => `${describeCase(c)} → ${o.kind} ${o.message ?? ''}`.slice(0, 3000),
      );
    } finally {
      await rm(path, { force: true });
    }
  });
}

/**
 * A giant file (one huge line, or a very wide header) through the same check: readable files must give their
 * records (the good lines around the giant one included), unreadable ones a clean input error. Returns what broke.
 */
export async function checkGiant(pool: ParsePool, dir: string, g: GiantCase, budgetMs: number): Promise<{ failures: string[]; ms: number; outcome: string }> {
  const path = join(dir, `giant-${process.pid}-${g.kind}${g.kind === 'ndjson-line' ? '.ndjson' : '.csv'}${g.kind === 'csv-row-line-gz' ? '.gz' : ''}`);
  await writeGiantFile(path, g);
  try {
    const limits = g.maxLineChars === undefined ? undefined : { maxColumns: 1000, maxLineChars: g.maxLineChars };
    const o = await pool.check({ path, entity: 'events', mapping: 'generic', limits }, budgetMs);
    const want = giantRecordLines(g);
    const failures = judgeParse(o, want ? () => want : null, budgetMs);
    if (want === null && o.kind === 'ok') failures.push(`a header that cannot fit the mapping was accepted (${o.records} records)`);
    if (want !== null && o.kind !== 'ok' && failures.length === 0) failures.push(`a readable file failed: ${o.message ?? ''}`);
    const outcome = `${o.kind} in ${o.ms} ms: ${o.records} records, ${o.accepted} accepted, ${o.rejected} rejected ${JSON.stringify(o.byReason)}${o.message ? ` (${o.message.slice(0, 120)})` : ''}`;
    return { failures, ms: o.ms, outcome };
  } finally {
    await rm(path, { force: true });
  }
}

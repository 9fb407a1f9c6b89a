import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { apiProperty } from './fuzz/api-check';
import { dbProperty } from './fuzz/ingest-db';
import type { GiantCase } from './fuzz/ingest-files';
import { checkGiant, parserProperty } from './fuzz/ingest-properties';
import { ParsePool } from './fuzz/parse-pool';
import { runProperty, type PropertyReport } from './fuzz/run';
import { createIsolatedDb, isolatedConfig } from '../lib/isolated-env';
import { startFuzzTarget, type FuzzTarget } from './fuzz/services';
import type { ChaosOutcome, ChaosScenario } from './types';

/**
 * Hostile input, property-based (issue 8): generated files through the ingest parser, through the real runner
 * into MariaDB, and generated requests to every API route. Each run draws its share of cases from its own seed
 * (CHAOS_SEED + attempt; printed in the detail, so a failure can be replayed), so that the default 5 runs
 * generate more than 10,000 cases: 5 × (1,400 files + 200 files end to end + 1,000 requests) = 13,000, plus
 * the giant files (a 100 MB line per run, 100,000-column headers and rows).
 */
export const FUZZ_SHARE = { parser: 1400, db: 200, api: 1000 } as const;

const BASE_SEED = Number(process.env.CHAOS_SEED ?? Date.now() % 2_000_000_000);
const seedOf = (attempt: number): number => BASE_SEED + attempt;
/** How long one property may run (shrinking included) before it reports what it has. */
const PROPERTY_LIMIT_MS = 8 * 60_000;

/** One run's summary line: cases, seed, time, and the shrunk counterexample when it failed. */
function line(r: PropertyReport): string {
  const head = `${r.cases} cases${r.shrinks > 0 ? ` (+${r.shrinks} shrinks)` : ''}, seed ${r.seed}, ${(r.ms / 1000).toFixed(1)} s`;
  return r.failed ? `${head}: FAILED ${r.failure ?? ''}` : head;
}

/** The giant files of run `attempt`: a 100 MB line (its shape rotates over the runs) and very wide lines. */
function giantsFor(attempt: number): { g: GiantCase; budgetMs: number }[] {
  const kinds = ['csv-row-line', 'ndjson-line', 'csv-header-line', 'csv-row-line-gz'] as const;
  const long = kinds[(attempt - 1) % kinds.length] as GiantCase['kind'];
  return [
    { g: { kind: long, size: 100 << 20 }, budgetMs: 180_000 },
    // The longest line the reader may be configured to hold (INGEST_MAX_LINE_CHARS at its 64 MiB maximum).
    { g: { kind: 'csv-row-line', size: 60 << 20, maxLineChars: 64 << 20 }, budgetMs: 180_000 },
    { g: { kind: 'wide-header', size: 100_000 }, budgetMs: 20_000 },
    { g: { kind: 'wide-header-dupes', size: 100_000 }, budgetMs: 20_000 },
    { g: { kind: 'wide-row', size: 100_000 }, budgetMs: 20_000 },
  ];
}

function parserScenario(): ChaosScenario {
  let dir = '';
  let pool: ParsePool | null = null;
  let giants: ParsePool | null = null;
  return {
    name: 'fuzz-ingest-parser',
    async setup() {
      dir = await mkdtemp(join(tmpdir(), 'chaos-fuzz-parser-'));
      pool = new ParsePool(512);
      // A 100 MB line must not need the whole line in memory: 1 GiB of heap is far more than a bounded reader needs.
      giants = new ParsePool(1024);
    },
    async run(attempt): Promise<ChaosOutcome> {
      if (!pool || !giants) throw new Error('setup did not run');
      const r = await runProperty('parser', parserProperty(pool, dir), { numRuns: FUZZ_SHARE.parser, seed: seedOf(attempt), timeLimitMs: PROPERTY_LIMIT_MS });
      const notes: string[] = [];
      let failed = 0;
      for (const { g, budgetMs } of giantsFor(attempt)) {
        const res = await checkGiant(giants, dir, g, budgetMs);
        const size = g.kind.startsWith('wide') ? `${g.size} columns` : `${g.size >> 20} MB line${g.maxLineChars ? `, line cap ${g.maxLineChars >> 20} MiB` : ''}`;
        notes.push(`${g.kind} (${size}): ${res.failures.length === 0 ? `ok in ${(res.ms / 1000).toFixed(1)} s` : `FAILED ${res.failures.join('; ')}`}`);
        if (res.failures.length > 0) failed++;
      }
      const cases = r.cases + giantsFor(attempt).length;
      return { pass: !r.failed && failed === 0, dataLost: 0, recoverySeconds: null, detail: `${cases} cases: files ${line(r)}; giants ${notes.join('; ')}` };
    },
    async teardown() {
      await pool?.close();
      await giants?.close();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function dbScenario(): ChaosScenario {
  let dir = '';
  let config: Readonly<Config> | null = null;
  let env: { db: Db; drop(): Promise<void> } | null = null;
  return {
    name: 'fuzz-ingest-db',
    async setup() {
      dir = await mkdtemp(join(tmpdir(), 'chaos-fuzz-db-'));
      // Small chunks: most generated files commit several chunks, so a partial write would show.
      config = isolatedConfig('chaos_fuzz_db', { REJECTS_DIR: join(dir, 'rejects'), INGEST_CHUNK_ROWS: '4' });
      env = await createIsolatedDb(config);
    },
    async run(attempt): Promise<ChaosOutcome> {
      if (!env || !config) throw new Error('setup did not run');
      const tally = { n: 0, lost: 0 };
      const r = await runProperty('ingest-db', dbProperty(env.db, config, dir, tally), { numRuns: FUZZ_SHARE.db, seed: seedOf(attempt), timeLimitMs: PROPERTY_LIMIT_MS });
      return { pass: !r.failed && tally.lost === 0, dataLost: tally.lost, recoverySeconds: null, detail: `${r.cases} files ingested twice each: ${line(r)}` };
    },
    async teardown() {
      await env?.drop();
      if (dir) await rm(dir, { recursive: true, force: true });
    },
  };
}

function apiScenario(): ChaosScenario {
  let target: FuzzTarget | null = null;
  return {
    name: 'fuzz-api-routes',
    quick: true,
    async setup() {
      target = await startFuzzTarget('chaos_fuzz_api');
    },
    async run(attempt): Promise<ChaosOutcome> {
      if (!target) throw new Error('setup did not run');
      const { api, dir } = target;
      const counter = { n: 0, byStatus: {} as Record<string, number> };
      const r = await runProperty('api', apiProperty(api.port, [dir, process.cwd()], counter), { numRuns: FUZZ_SHARE.api, seed: seedOf(attempt), timeLimitMs: PROPERTY_LIMIT_MS });
      const alive = await fetch(`${api.baseUrl}/healthz`).then((res) => res.status === 200, () => false);
      // Answers by status class, so the detail shows the requests got past authentication and validation.
      const classes: Record<string, number> = {};
      for (const [k, n] of Object.entries(counter.byStatus)) {
        const c = `${k.split(' ')[1]?.[0] ?? '?'}xx`;
        classes[c] = (classes[c] ?? 0) + n;
      }
      const mix = Object.entries(classes)
        .sort()
        .map(([c, n]) => `${c} ${n}`)
        .join(', ');
      return {
        pass: !r.failed && alive,
        dataLost: 0,
        recoverySeconds: null,
        detail: `${r.cases} requests (${mix}): ${line(r)}${alive ? '' : '; the API stopped answering /healthz'}`,
      };
    },
    async teardown() {
      await target?.close();
      target = null;
    },
  };
}

/** The hostile-input scenarios, in the order the full run takes them. */
export const inputScenarios: ChaosScenario[] = [parserScenario(), dbScenario(), apiScenario()];

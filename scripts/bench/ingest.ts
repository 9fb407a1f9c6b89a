import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { loadConfig, type Config } from '../../config';
import { createDb } from '../../db/knex';
import { countEvents } from '../../db/repositories/events-load';
import { createBareRetailTable, dropDatabase, loadCsvFile } from '../../db/repositories/ingest-baseline';
import { setupDatabase } from '../../db/setup';
import { runIngest } from '../../jobs/ingest';
import { generateFiles } from '../lib/generator-files';
import type { Bench } from './types';

const UCI = resolve(__dirname, '../../../data/online-retail/online-retail.csv.gz');
const SYNTHETIC_EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 5_000_000);
const CACHE = join(tmpdir(), 'shopintent-bench');

const seconds = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;

function benchConfig(dbName: string, rejectsDir: string): Readonly<Config> {
  const env = loadConfig();
  const w = new URL(env.MYSQL_URL);
  w.pathname = `/${dbName}`;
  const r = new URL(env.MYSQL_READONLY_URL);
  r.pathname = `/${dbName}`;
  return loadConfig({ ...process.env, MYSQL_URL: w.toString(), MYSQL_READONLY_URL: r.toString(), REJECTS_DIR: rejectsDir, LOG_LEVEL: 'silent' });
}

function child(config: Readonly<Config>, file: string): Promise<{ result: { rowsAccepted: number; durationMs: number; rowsRead: number }; maxRssMb: number }> {
  const script = resolve(__dirname, 'ingest-child.js');
  return new Promise((ok, fail) => {
    execFile(
      process.execPath,
      [script, file, 'generic', 'events'],
      { env: { ...process.env, MYSQL_URL: config.MYSQL_URL, MYSQL_READONLY_URL: config.MYSQL_READONLY_URL, REJECTS_DIR: config.REJECTS_DIR }, maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) return fail(new Error(`ingest child failed: ${stderr || err.message}`));
        const last = stdout.trim().split('\n').pop() ?? '';
        ok(JSON.parse(last) as { result: { rowsAccepted: number; durationMs: number; rowsRead: number }; maxRssMb: number });
      },
    );
  });
}

/** UCI through the real runner vs LOAD DATA of the same file into a bare table; peak RSS of a 5M-event ingest. */
export const ingestBench: Bench = {
  name: 'ingest',
  description: `UCI ingest vs LOAD DATA, and peak RSS of a ${SYNTHETIC_EVENTS.toLocaleString('en')}-event synthetic ingest (throwaway database)`,
  async run() {
    const dbName = `bench_ingest_${randomBytes(3).toString('hex')}`;
    const work = join(CACHE, dbName);
    await mkdir(work, { recursive: true });
    const config = benchConfig(dbName, join(work, 'rejects'));
    await setupDatabase(config.MYSQL_URL, config.MYSQL_READONLY_URL);
    const db = createDb(config.MYSQL_URL, 4);
    try {
      // 1. The yardstick: LOAD DATA of the gunzipped UCI file into a bare 8-column table (best of two).
      const plain = join(work, 'online-retail.csv');
      await pipeline(createReadStream(UCI), createGunzip(), createWriteStream(plain));
      const loadTimes: number[] = [];
      let loaded = 0;
      for (let i = 0; i < 2; i++) {
        await createBareRetailTable(db, 'bench_bare_retail');
        const t = process.hrtime.bigint();
        loaded = await loadCsvFile(db, 'bench_bare_retail', plain);
        loadTimes.push(seconds(t));
      }
      await db.schema.dropTableIfExists('bench_bare_retail');

      // 2. The real runner on the same data (gzip, as shipped), into the real events table.
      const t = process.hrtime.bigint();
      const uci = await runIngest({ db, config }, { path: UCI, mapping: 'uci-online-retail' });
      const ingestSeconds = seconds(t);
      const again = await runIngest({ db, config }, { path: UCI, mapping: 'uci-online-retail' });

      // 3. Peak RSS of the runner on a large synthetic file, in a child process.
      const synthetic = join(CACHE, `synthetic-${SYNTHETIC_EVENTS}-seed1.csv.gz`);
      if (!(await stat(synthetic).catch(() => null))) {
        await generateFiles({ users: 200000, items: 50000, days: 365, seed: 1, malformedRate: 0.001, maxEvents: SYNTHETIC_EVENTS }, synthetic);
      }
      const before = await countEvents(db);
      const big = await child(config, synthetic);
      const after = await countEvents(db);

      const loadDataSeconds = Math.min(...loadTimes);
      return {
        rows: loaded,
        load_data_seconds: loadDataSeconds,
        load_data_runs: loadTimes.map((x) => x.toFixed(2)).join(' / '),
        ingest_seconds: ingestSeconds,
        ratio: ingestSeconds / loadDataSeconds,
        rows_per_second: Math.round(uci.rowsRead / ingestSeconds),
        uci_accepted: uci.rowsAccepted,
        uci_rejected: uci.rowsRejected,
        reingest_added: again.rowsAccepted - again.rowsDuplicate,
        synthetic_rows: big.result.rowsRead,
        synthetic_events_added: after - before,
        synthetic_seconds: big.result.durationMs / 1000,
        synthetic_rows_per_second: Math.round(big.result.rowsRead / (big.result.durationMs / 1000)),
        peak_rss_mb_5m: Math.round(big.maxRssMb),
      };
    } finally {
      await dropDatabase(db, dbName).catch(() => undefined);
      await db.destroy();
      await rm(work, { recursive: true, force: true });
    }
  },
};

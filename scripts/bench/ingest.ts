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
import { countEvents } from '../../db/events/load';
import { createBareRetailTable, dropDatabase, loadCsvFile, resetIngestTables } from '../../db/repositories/ingest-baseline';
import { setupDatabase } from '../../db/setup';
import { runIngest } from '../../ingest';
import { generateFiles } from '../lib/generator-files';
import type { Bench } from './types';

const UCI = resolve(__dirname, '../../../data/online-retail/online-retail.csv.gz');
const SYNTHETIC_EVENTS = Number(process.env.BENCH_INGEST_EVENTS ?? 5_000_000);
/** Paired rounds of (LOAD DATA, ingest); the order within a round alternates so a drifting machine load hits both sides. */
const ROUNDS = Math.max(1, Number(process.env.BENCH_INGEST_ROUNDS ?? 5));
const CACHE = join(tmpdir(), 'shopintent-bench');

const seconds = (from: bigint): number => Number(process.hrtime.bigint() - from) / 1e9;

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};
const list = (xs: number[], digits = 2): string => xs.map((x) => x.toFixed(digits)).join(' / ');

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

/** UCI through the real runner vs LOAD DATA of the same file into a bare table (and the shipped .gz); peak RSS of a 5M-event ingest. */
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
      // 1 + 2. The yardstick (LOAD DATA of the gunzipped UCI file into a bare 8-column table) and the real runner
      // on the same file into the real, emptied tables, plus the runner on the gzip file as shipped. Paired rounds
      // whose order alternates, so a drifting machine load hits every side alike; figures are per-round ratios.
      const plain = join(work, 'online-retail.csv');
      await pipeline(createReadStream(UCI), createGunzip(), createWriteStream(plain));
      const loadTimes: number[] = [];
      const ingestTimes: number[] = [];
      const gzipTimes: number[] = [];
      let loaded = 0;
      let uci: Awaited<ReturnType<typeof runIngest>> | null = null;
      const loadData = async (): Promise<void> => {
        await createBareRetailTable(db, 'bench_bare_retail');
        const t = process.hrtime.bigint();
        loaded = await loadCsvFile(db, 'bench_bare_retail', plain);
        loadTimes.push(seconds(t));
        await db.schema.dropTableIfExists('bench_bare_retail');
      };
      const ingest = async (path: string, times: number[]): Promise<void> => {
        await resetIngestTables(db);
        const t = process.hrtime.bigint();
        uci = await runIngest({ db, config }, path, { mapping: 'uci-online-retail' });
        times.push(seconds(t));
      };
      for (let i = 0; i < ROUNDS; i++) {
        const steps = [loadData, () => ingest(UCI, gzipTimes), () => ingest(plain, ingestTimes)];
        for (const step of i % 2 === 0 ? steps : steps.reverse()) await step();
      }
      const ratios = ingestTimes.map((x, i) => x / (loadTimes[i] as number));
      const gzipRatios = gzipTimes.map((x, i) => x / (loadTimes[i] as number));
      // The last ingest left the UCI events in place: another ingest of the same data must add nothing.
      const again = await runIngest({ db, config }, UCI, { mapping: 'uci-online-retail' });
      const first = uci as Awaited<ReturnType<typeof runIngest>> | null;
      if (first === null) throw new Error('no ingest round ran');

      // 3. Peak RSS of the runner on a large synthetic file, in a child process (BENCH_INGEST_EVENTS=0 skips it).
      let synth: Record<string, number> = {};
      if (SYNTHETIC_EVENTS > 0) {
        const synthetic = join(CACHE, `synthetic-${SYNTHETIC_EVENTS}-seed1.csv.gz`);
        if (!(await stat(synthetic).catch(() => null))) {
          await generateFiles({ users: 200000, items: 50000, days: 365, seed: 1, malformedRate: 0.001, maxEvents: SYNTHETIC_EVENTS }, synthetic);
        }
        const before = await countEvents(db);
        const big = await child(config, synthetic);
        const after = await countEvents(db);
        synth = {
          synthetic_rows: big.result.rowsRead,
          synthetic_events_added: after - before,
          synthetic_seconds: big.result.durationMs / 1000,
          synthetic_rows_per_second: Math.round(big.result.rowsRead / (big.result.durationMs / 1000)),
          peak_rss_mb_5m: Math.round(big.maxRssMb),
        };
      }

      const ingestSeconds = median(ingestTimes);
      return {
        rows: loaded,
        rounds: `${ROUNDS} rounds of (LOAD DATA, ingest .csv.gz, ingest .csv), order alternating; seconds and ratios are medians`,
        load_data_seconds: median(loadTimes),
        load_data_runs: list(loadTimes),
        ingest_seconds: ingestSeconds,
        ingest_runs: list(ingestTimes),
        ratio: median(ratios),
        ratio_runs: list(ratios),
        ratio_best_of: Math.min(...ingestTimes) / Math.min(...loadTimes),
        ingest_gzip_seconds: median(gzipTimes),
        ratio_gzip: median(gzipRatios),
        ratio_gzip_runs: list(gzipRatios),
        rows_per_second: Math.round(first.rowsRead / ingestSeconds),
        uci_accepted: first.rowsAccepted,
        uci_rejected: first.rowsRejected,
        reingest_added: again.rowsAccepted - again.rowsDuplicate,
        ...synth,
      };
    } finally {
      await dropDatabase(db, dbName).catch(() => undefined);
      await db.destroy();
      await rm(work, { recursive: true, force: true });
    }
  },
};

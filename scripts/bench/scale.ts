/**
 * `npm run bench -- scale [--scale F]`: the nightly run at scale (issue 10). Generates F × 1,000,000 customers and
 * F × 100,000 items (80 days of the generator's default tastes: about 20 events a customer, so about 20 million
 * events at F = 1), then, on a throwaway installation of real processes (API and two worker processes consuming
 * every queue, sandboxed jobs in child processes), ingests the events and items through the API and runs the
 * nightly flow preprocess → train → score-all-users → segment through the queues. Reports each stage's seconds,
 * the nightly total after ingest, peak RSS per process kind (sampled from /proc: each queue's sandbox child only
 * runs that queue's jobs), and from the shards' results the scoring throughput per process, the result write
 * rate and the share of shard time in reading, the model, top-K lists and writing. Then it scores every customer
 * again with one worker process and with two (scale-workers.ts: `two_worker_speedup`), and, once the rig is gone,
 * runs the kernel comparison (kernel.ts: `kernel_pairs_per_second` against `numpy_pairs_per_second`).
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'bullmq';
import type { JobName } from '../../jobs/catalogue';
import { Rig } from '../chaos/rig';
import { generateFiles, itemsFileFor } from '../lib/generator-files';
import { kernelFigures } from './kernel';
import { ProcSampler, type SampledProcess } from './proc-rss';
import { workerSpeedup } from './scale-workers';
import type { Bench } from './types';

const CACHE = join(tmpdir(), 'shopintent-bench');
const DEFAULT_SCALE = 0.02;
const HOURS = 3_600_000;

function scaleArg(): number {
  const at = process.argv.indexOf('--scale');
  const scale = at > 0 ? Number(process.argv[at + 1]) : DEFAULT_SCALE;
  if (!(scale > 0 && scale <= 1)) throw new Error(`--scale must be in (0, 1] for the scale bench, not ${String(process.argv[at + 1])}`);
  return scale;
}

/** A finished job's timestamps and result (throws when it is missing). */
async function finished(rig: Rig, name: JobName, id: string): Promise<{ finishedOn: number; processedOn: number; result: Record<string, unknown> }> {
  const job = await Job.fromId(rig.queueOf(name), id);
  if (!job?.finishedOn) throw new Error(`${id} has not finished`);
  return { finishedOn: job.finishedOn, processedOn: job.processedOn ?? job.finishedOn, result: (job.returnvalue ?? {}) as Record<string, unknown> };
}

/** A process's environment block (NUL-separated), or '' when it is gone. */
function envOf(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/environ`, 'latin1');
  } catch {
    return '';
  }
}

/** `--keep-db`: the rig's database stays after the bench (named in the log), to profile or inspect its outputs. */
const keepDatabase = process.argv.includes('--keep-db');

/**
 * The one-vs-two-workers comparison scores every customer twice more. The goal is set at 100,000 customers; above
 * that it only runs with `--speedup` (at a million it would add over an hour to the bench).
 */
const SPEEDUP_MAX_CUSTOMERS = 100_000;
const wantSpeedup = (customers: number): boolean => customers <= SPEEDUP_MAX_CUSTOMERS || process.argv.includes('--speedup');

const round = (x: number, d = 1): number => Math.round(x * 10 ** d) / 10 ** d;

/** The nightly flow at `scale` on a throwaway rig, then score-all-users with one and with two worker processes. */
async function nightlyFigures(scale: number): Promise<Record<string, number | string>> {
  const users = Math.round(1_000_000 * scale);
  const items = Math.max(100, Math.round(100_000 * scale));
  const file = join(CACHE, `scale-${users}u-${items}i-80d.csv.gz`);
  await mkdir(CACHE, { recursive: true });
  if (!existsSync(file) || !existsSync(itemsFileFor(file))) {
    process.stderr.write(`generating ${users} customers, ${items} items …\n`);
    await generateFiles({ users, items, days: 80, seed: 1, malformedRate: 0 }, file);
  }
  const rig = await Rig.create({
    name: 'scale',
    env: {
      INGEST_CHUNK_ROWS: '100000', SCORE_SHARD_USERS: process.env.SCORE_SHARD_USERS ?? '5000', WORKER_SANDBOX_KIND: 'process',
      JOB_LOCK_MS: '30000', STALLED_CHECK_MS: '5000', MYSQL_POOL_MAX: '6',
      ...(process.env.TRAIN_MAX_EVENTS ? { TRAIN_MAX_EVENTS: process.env.TRAIN_MAX_EVENTS } : {}),
      ...(process.env.SEGMENT_FIT_MAX_EVENTS ? { SEGMENT_FIT_MAX_EVENTS: process.env.SEGMENT_FIT_MAX_EVENTS } : {}),
    },
  });
  const sampler = new ProcSampler(() => rig.workers.map((w) => w.pid));
  try {
    await rig.startApi();
    await rig.startWorker();
    await rig.startWorker();
    sampler.start();
    const t0 = Date.now();
    const ingest = async (name: string, entity: 'events' | 'items'): Promise<string> => {
      const res = await rig.http<{ id: string }>('POST', '/v1/jobs/ingest', { file: await rig.stageImport(name), dir: 'imports', mapping: 'generic', entity });
      if (res.status !== 202) throw new Error(`ingest refused (${res.status}): ${res.text}`);
      await rig.waitForJob(res.body.id, 'ingest', 6 * HOURS);
      return res.body.id;
    };
    await ingest(itemsFileFor(file), 'items');
    await ingest(file, 'events');
    const ingestSeconds = (Date.now() - t0) / 1000;
    process.stderr.write(`ingested in ${round(ingestSeconds)} s; nightly flow …\n`);

    const t1 = Date.now();
    const flow = await rig.startNightly(null);
    await rig.waitForFlow(flow, 24 * HOURS);
    const step = (name: JobName): string => flow.steps.find((s) => s.startsWith(`${name}-`)) ?? '';
    const pre = await finished(rig, 'preprocess', step('preprocess'));
    const train = await finished(rig, 'train', step('train'));
    const score = await finished(rig, 'score-all-users', step('score-all-users'));
    const seg = await finished(rig, 'segment', step('segment'));
    sampler.stop();

    // Each stage from the end of the one before (queue hand-over included): they add up to the nightly total.
    const windows: [string, number, number][] = [
      ['ingest', t0, t1], ['preprocess', t1, pre.finishedOn], ['train', pre.finishedOn, train.finishedOn],
      ['score', train.finishedOn, score.finishedOn], ['segment', score.finishedOn, seg.finishedOn],
    ];
    const stageOf = (p: SampledProcess): string => windows.find(([, from, to]) => p.firstSeen >= from && p.firstSeen <= to)?.[0] ?? 'other';
    const peak = (kind: string): number => round(Math.max(0, ...[...sampler.seen.values()].filter((p) => !p.isRoot && stageOf(p) === kind).map((p) => p.peakRssMb)), 0);
    const peakWorkers = round(Math.max(0, ...[...sampler.seen.values()].filter((p) => p.isRoot).map((p) => p.peakRssMb)), 0);

    const runId = Number(score.result.runId);
    const shards = Number(score.result.shards);
    const shardResults = await Promise.all(Array.from({ length: shards }, async (_, i) => (await finished(rig, 'score-shard', `score-shard-${runId}-${i}`)).result));
    const sum = (k: string): number => shardResults.reduce((s, r) => s + Number(r[k] ?? 0), 0);
    const shardSeconds = sum('seconds');
    const phases = ['readSeconds', 'modelSeconds', 'topkSeconds', 'writeSeconds'];
    const share = (k: string): number => round(sum(k) / Math.max(1e-9, phases.reduce((t, p) => t + sum(p), 0)), 3);
    const sample = (train.result.sample ?? {}) as Record<string, number | boolean>;
    const stage = Object.fromEntries(windows.slice(1).map(([name, from, to]) => [`stage_seconds_${name}`, round((to - from) / 1000)]));
    const nightly = round((seg.finishedOn - t1) / 1000);
    const speedup = wantSpeedup(users);
    process.stderr.write(`nightly flow done in ${nightly} s${speedup ? '; score-all-users again with 1 and 2 worker processes …' : ''}\n`);
    const workers = speedup ? await workerSpeedup(rig) : null;
    return {
      scale, customers: Number(pre.result.customers), items, events: await rig.countEvents(), generated_customers: users,
      worker_processes: 2, shards,
      ingest_seconds: round(ingestSeconds),
      ...stage,
      stage_seconds: windows.slice(1).map(([name, from, to]) => `${name} ${round((to - from) / 1000)}`).join(', '),
      nightly_seconds: nightly, total_seconds: nightly,
      peak_rss_mb_score: peak('score'), peak_rss_mb_train: peak('train'), peak_rss_mb_preprocess: peak('preprocess'),
      peak_rss_mb_segment: peak('segment'), peak_rss_mb_ingest: peak('ingest'), peak_rss_mb_worker_main: peakWorkers,
      train_sampled: String(sample.sampled ?? false), train_sample_customers: Number(sample.customers ?? 0), train_sample_events: Number(sample.events ?? 0),
      customers_per_second_per_process: round(sum('users') / Math.max(1e-9, shardSeconds)),
      write_rows_per_second: round(sum('rows') / Math.max(1e-9, sum('writeSeconds')), 0),
      ...(workers ? {
        two_worker_speedup: round(workers.speedup, 2),
        score_seconds_1_worker: round(workers.one.seconds), score_seconds_2_workers: round(workers.two.seconds),
        customers_per_second_1_worker: round(workers.one.customersPerSecond), customers_per_second_2_workers: round(workers.two.customersPerSecond),
        shard_seconds_1_worker: round(workers.one.shardSeconds), shard_seconds_2_workers: round(workers.two.shardSeconds),
      } : { two_worker_speedup: `not run above ${SPEEDUP_MAX_CUSTOMERS} customers (--speedup runs it)` }),
      time_share: `read ${share('readSeconds')}, model ${share('modelSeconds')}, top-K ${share('topkSeconds')}, write ${share('writeSeconds')}`,
      time_share_read: share('readSeconds'), time_share_model: share('modelSeconds'), time_share_topk: share('topkSeconds'),
      time_share_write: share('writeSeconds'),
    };
  } finally {
    sampler.stop();
    // Workers close their sandbox children when they stop on SIGTERM; the rig's teardown SIGKILLs, which would
    // leave those children running. Any child still there afterwards is ended by its pid.
    for (const w of rig.workers) w.signal('SIGTERM');
    await Promise.all(rig.workers.map((w) => w.waitExit(30_000)));
    if (keepDatabase) process.stderr.write(`--keep-db: database ${rig.databaseName} kept (drop it when done)\n`);
    await rig.teardown({ keepDatabase });
    for (const p of sampler.seen.values()) {
      // Only a process that still carries this rig's prefix (a pid may have been reused since).
      if (!p.isRoot && envOf(p.pid).includes(`QUEUE_PREFIX=${rig.config.QUEUE_PREFIX}\0`)) process.kill(p.pid, 'SIGKILL');
    }
  }
}

export const scaleBench: Bench = {
  name: 'scale',
  description: 'the nightly run at F × (1M customers, 100k items), two worker processes: stage seconds and peak RSS, ' +
    'one vs two workers, kernel vs NumPy (--scale F, default 0.02)',
  async run() {
    const nightly = await nightlyFigures(scaleArg());
    // After the rig is gone, so the kernel and NumPy do not share the CPUs with the workers.
    return { ...nightly, ...(await kernelFigures()) };
  },
};

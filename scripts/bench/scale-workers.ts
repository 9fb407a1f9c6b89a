/**
 * Scoring throughput with one worker process against two, for the scale bench (issue 10: "two worker processes at
 * least 1.6 times one"). After the nightly flow has published a model, score-all-users runs again on the same
 * model and training store, first with one worker process consuming the queues, then with two; each run is timed
 * from its planning to its publish (the coordinator's own `seconds`), so queue hand-over and the publish count.
 */
import type { Rig } from '../chaos/rig';
import { Job } from 'bullmq';

const HOURS = 3_600_000;

/** One timed score-all-users run. */
export interface ScoringRun {
  workers: number;
  customers: number;
  shards: number;
  seconds: number;
  customersPerSecond: number;
  /** the shards' own seconds summed: when it grows with the second worker, the processes contend (CPU, MariaDB) */
  shardSeconds: number;
}

/** Stops or starts worker processes until exactly `n` run (a stopped one finishes its job first: SIGTERM). */
async function keepWorkers(rig: Rig, n: number): Promise<void> {
  while (rig.workers.length > n) {
    const w = rig.workers[rig.workers.length - 1]!;
    w.signal('SIGTERM');
    if (!(await w.waitExit(60_000))) await w.kill();
  }
  while (rig.workers.length < n) await rig.startWorker();
}

/** Enqueues score-all-users through the API with `n` worker processes running, and times it. */
async function scoreWith(rig: Rig, n: number): Promise<ScoringRun> {
  await keepWorkers(rig, n);
  const res = await rig.http<{ id: string }>('POST', '/v1/jobs/score-all-users', {});
  if (res.status !== 202) throw new Error(`score-all-users refused (${res.status}): ${res.text}`);
  await rig.waitForJob(res.body.id, 'score-all-users', 6 * HOURS);
  const job = await Job.fromId(rig.queueOf('score-all-users'), res.body.id);
  const r = (job?.returnvalue ?? {}) as { runId?: number; users?: number; shards?: number; seconds?: number };
  const seconds = Number(r.seconds ?? 0);
  if (!(seconds > 0)) throw new Error(`score-all-users ${res.body.id} reported no seconds: ${JSON.stringify(r)}`);
  const customers = Number(r.users ?? 0);
  const shards = Number(r.shards ?? 0);
  const shardJobs = await Promise.all(Array.from({ length: shards }, (_, i) => Job.fromId(rig.queueOf('score-shard'), `score-shard-${Number(r.runId)}-${i}`)));
  const shardSeconds = shardJobs.reduce((t, j) => t + Number((j?.returnvalue as { seconds?: number } | undefined)?.seconds ?? 0), 0);
  return { workers: n, customers, shards, seconds, customersPerSecond: customers / seconds, shardSeconds };
}

/**
 * Scores every customer with one worker process, then with two (same published model, same store), and returns
 * both runs and the speedup (one worker's seconds over two workers'). Leaves two workers running.
 */
export async function workerSpeedup(rig: Rig): Promise<{ one: ScoringRun; two: ScoringRun; speedup: number }> {
  const one = await scoreWith(rig, 1);
  process.stderr.write(`score-all-users with 1 worker process: ${one.seconds.toFixed(1)} s (${one.shards} shards, ${one.shardSeconds.toFixed(1)} shard-s)\n`);
  const two = await scoreWith(rig, 2);
  process.stderr.write(`score-all-users with 2 worker processes: ${two.seconds.toFixed(1)} s (${two.shardSeconds.toFixed(1)} shard-s)\n`);
  return { one, two, speedup: one.seconds / two.seconds };
}

import { Job, type Queue } from 'bullmq';
import type { Config } from '../../config';
import { openQueues, type Queues } from '../../jobs/client/queues';
import { createRedis } from '../../jobs/client/redis';
import { startWorkerPool, type WorkerPool } from '../../workers/pool';

/** Polls a job until it finishes: returns its result, or throws its failure reason (or a timeout). */
export async function waitForJob(queue: Queue, id: string, ms = 120_000): Promise<unknown> {
  const until = Date.now() + ms;
  for (;;) {
    const job = await Job.fromId(queue, id);
    if (!job) throw new Error(`no job ${id}`);
    const state = await job.getState();
    // A snapshot read just before the job finished has no result or reason yet: read it again for either.
    if (state === 'completed') return (await Job.fromId(queue, id))?.returnvalue as unknown;
    if (state === 'failed') throw new Error((await Job.fromId(queue, id))?.failedReason ?? job.failedReason);
    if (Date.now() > until) throw new Error(`job ${id} still ${state} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Workers plus the queues a test enqueues on, against one test database; `close()` releases all of it. */
export interface WorkerRig {
  queues: Queues;
  pool: WorkerPool;
  close(): Promise<void>;
}

/** Starts the worker pool for `config` and opens its queues (on their own connection). */
export function startWorkerRig(config: Readonly<Config>, env: { drop(): Promise<void> }): WorkerRig {
  const connection = createRedis(config.REDIS_URL, 'worker');
  const queues = openQueues(config, connection);
  const pool = startWorkerPool(config);
  return {
    queues,
    pool,
    async close() {
      await pool.close();
      await Promise.all([...queues.byName.values()].map((q) => q.obliterate({ force: true })));
      await queues.close();
      connection.disconnect();
      await env.drop();
    },
  };
}

import type { Queue } from 'bullmq';
import type { Config } from '../../config';
import { openQueues } from '../../jobs/client/queues';
import { createRedis } from '../../jobs/client/redis';

/** States of a job that is not finished: what an earlier, killed demo leaves behind. */
const UNFINISHED = ['waiting', 'waiting-children', 'active', 'delayed', 'prioritized'] as const;

/** What {@link clearAbandonedJobs} found. */
export interface AbandonedJobs {
  /** unfinished jobs found under the prefix */
  found: number;
  /** of those, removed */
  removed: number;
  /** worker connections seen on the queues (jobs are left alone when there are any) */
  workers: number;
}

async function workerCount(queues: readonly Queue[]): Promise<number> {
  const counts = await Promise.all(queues.map((q) => q.getWorkersCount()));
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Removes the unfinished jobs of an earlier run that nobody works on any more (a demo killed mid-pipeline):
 * without this, a new demo's worker would first finish the old flow, and the new one would wait behind it.
 * Jobs are only removed when no worker is connected under the prefix: a live deployment's queue is never touched.
 * A job still locked by a worker that died cannot be removed until its lock lapses (JOB_LOCK_MS); it is counted
 * as found, and BullMQ's stalled-job check hands it to the new worker.
 */
export async function clearAbandonedJobs(config: Pick<Config, 'REDIS_URL' | 'QUEUE_PREFIX'>): Promise<AbandonedJobs> {
  const redis = createRedis(config.REDIS_URL, 'worker');
  const queues = openQueues(config, redis);
  try {
    const list = [...queues.byName.values()];
    const workers = await workerCount(list);
    let found = 0;
    let removed = 0;
    for (const q of list) {
      const jobs = await q.getJobs([...UNFINISHED]);
      found += jobs.length;
      if (workers > 0) continue;
      for (const job of jobs) {
        // A parent removed with its children leaves no orphan waiting for them; a locked job refuses (kept).
        const ok = await job.remove({ removeChildren: true }).then(() => true, () => false);
        if (ok) removed++;
      }
    }
    return { found, removed, workers };
  } finally {
    await queues.close();
    redis.disconnect();
  }
}

import { ErrorCode } from 'bullmq';
import type { Config } from '../config';
import { JOB_OPTIONS } from '../jobs/catalogue';
import type { Queues } from '../jobs/client/queues';

export const NIGHTLY_SCHEDULER_ID = 'nightly-refresh';

/** BullMQ's answer to an upsert that lost a race: the scheduler's next iteration already exists. */
function isIterationCollision(err: unknown): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === ErrorCode.SchedulerJobIdCollision;
}

/**
 * Registers (or updates) the one nightly job scheduler. Run it from the scheduler app (ecosystem.config.js); two
 * of them starting at once (a deploy that starts it twice, two machines with the same PM2 file) still leave one
 * schedule: the upsert that loses the race finds the next iteration the other created, which BullMQ reports as an
 * error (`SchedulerJobIdCollision`, seen in the `two-schedulers` chaos scenario). That is a success when the
 * schedule now in Redis is this one's; when it is another (two processes configured differently), the error stands.
 */
export async function upsertNightlySchedule(config: Readonly<Config>, queues: Queues): Promise<void> {
  const queue = queues.queueFor('nightly-pipeline');
  try {
    await queue.upsertJobScheduler(
      NIGHTLY_SCHEDULER_ID,
      { pattern: config.NIGHTLY_CRON, tz: 'UTC' },
      { name: 'nightly-pipeline', data: {}, opts: { attempts: JOB_OPTIONS['nightly-pipeline'].attempts ?? 1 } },
    );
  } catch (err) {
    if (!isIterationCollision(err)) throw err;
    const registered = await queue.getJobScheduler(NIGHTLY_SCHEDULER_ID);
    if (registered?.pattern !== config.NIGHTLY_CRON || registered.tz !== 'UTC') throw err;
  }
}

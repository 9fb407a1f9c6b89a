import type { Config } from '../config';
import { JOB_OPTIONS } from '../jobs/catalogue';
import type { Queues } from '../jobs/client/queues';

export const NIGHTLY_SCHEDULER_ID = 'nightly-refresh';

/**
 * Registers (or updates) the one nightly job scheduler. Call it from exactly one process (the scheduler
 * app in ecosystem.config.js): several processes upserting at start-up can duplicate or lose schedules.
 */
export async function upsertNightlySchedule(config: Readonly<Config>, queues: Queues): Promise<void> {
  await queues.queueFor('nightly-pipeline').upsertJobScheduler(
    NIGHTLY_SCHEDULER_ID,
    { pattern: config.NIGHTLY_CRON, tz: 'UTC' },
    { name: 'nightly-pipeline', data: {}, opts: { attempts: JOB_OPTIONS['nightly-pipeline'].attempts ?? 1 } },
  );
}


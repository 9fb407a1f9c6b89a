import { ConfigError, getConfig } from '../config';
import { createRedis } from '../jobs/redis';
import { openQueues } from '../jobs/queues';
import { startWorkerPool } from './pool';
import { upsertNightlySchedule } from './scheduler';
import { onShutdown } from '../jobs/shutdown';

/**
 * Worker process entry. The same code runs as the CPU pool and the GPU pool; WORKER_QUEUES picks the queues.
 * With `--scheduler` it only registers the nightly job scheduler and exits (run it from one place).
 */
async function main(): Promise<void> {
  const config = getConfig();
  if (process.argv.includes('--scheduler')) {
    const connection = createRedis(config.REDIS_URL, 'worker');
    const queues = openQueues(config, connection);
    await upsertNightlySchedule(config, queues);
    console.log(`nightly schedule "${config.NIGHTLY_CRON}" (UTC) registered`);
    await queues.close();
    connection.disconnect();
    return;
  }
  const pool = startWorkerPool(config);
  onShutdown(async () => pool.close());
}

main().catch((err: unknown) => {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});

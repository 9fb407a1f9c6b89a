import { getPriority, setPriority } from 'node:os';
import { ConfigError, getConfig } from '../config';
import { parseCli, type CliSpec } from '../config/cli';
import { createLogger } from '../config/logger';
import { createRedis } from '../jobs/client/redis';
import { openQueues } from '../jobs/client/queues';
import { startWorkerPool, type WorkerPool } from './pool';
import { upsertNightlySchedule } from './scheduler';
import { onShutdown } from '../config/shutdown';

/**
 * Worker process entry. The same code runs as the CPU pool and the GPU pool; WORKER_QUEUES picks the queues.
 * With `--scheduler` it only registers the nightly job scheduler and exits (run it from one place).
 */
const CLI = {
  command: 'node dist/workers/main.js',
  summary: 'A worker process: consumes the queues named in WORKER_QUEUES (default: all) until SIGINT or SIGTERM, then lets running jobs finish (up to SHUTDOWN_GRACE_MS; the rest are retried).',
  options: { scheduler: { type: 'boolean', description: 'only register the nightly job scheduler (NIGHTLY_CRON, UTC) and exit; run it from one place' } },
  notes: 'Settings come from the environment (README, "Configuration"): WORKER_QUEUES, WORKER_CONCURRENCY, ML_BACKEND, SHUTDOWN_GRACE_MS, …',
} as const satisfies CliSpec;

async function main(): Promise<void> {
  const { values } = parseCli(CLI);
  const config = getConfig();
  const scheduler = values.scheduler === true;
  const log = createLogger(config, scheduler ? 'scheduler' : 'worker');
  if (scheduler) {
    const connection = createRedis(config.REDIS_URL, 'worker');
    const queues = openQueues(config, connection);
    await upsertNightlySchedule(config, queues);
    log.info({ cron: config.NIGHTLY_CRON }, `nightly schedule "${config.NIGHTLY_CRON}" (UTC) registered`);
    await queues.close();
    connection.disconnect();
    return;
  }
  // Before any job thread exists: Linux threads inherit their creator's nice value.
  if (config.WORKER_NICE > 0) {
    try {
      setPriority(Math.max(getPriority(), config.WORKER_NICE));
    } catch (err) {
      log.warn({ err }, `could not lower the worker's CPU priority (WORKER_NICE=${config.WORKER_NICE}): ${(err as Error).message}`);
    }
  }
  // Signal handlers first: until a listener exists, SIGINT kills the process outright (the kernel's default),
  // so one that arrives while the pool starts would skip the graceful close.
  // eslint-disable-next-line prefer-const -- assigned after the handler that reads it is registered
  let pool: WorkerPool | undefined;
  onShutdown(async () => pool?.close(), log);
  pool = startWorkerPool(config, log);
}

main().catch((err: unknown) => {
  // Before a logger exists (bad settings): plain text on stderr, the list of bad keys as ConfigError words it.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});

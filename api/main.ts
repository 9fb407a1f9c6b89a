import { createServer } from 'node:http';
import { ConfigError, getConfig } from '../config';
import { parseCli, type CliSpec } from '../config/cli';
import { createLogger } from '../config/logger';
import { createDb } from '../db/knex';
import { openQueues } from '../jobs/client/queues';
import { createRedis } from '../jobs/client/redis';
import { onShutdown } from '../config/shutdown';
import { createApp } from './app';
import { openServingCache } from './serving-cache';
import { openKeyStore } from './keys/store';

const LISTEN_PROBLEMS: Record<string, string> = {
  EADDRINUSE: 'the port is already in use (another API process, or something else)',
  EACCES: 'permission denied (ports below 1024 need privileges)',
  EADDRNOTAVAIL: 'the address is not available on this machine',
};

const CLI = {
  command: 'node dist/api/main.js',
  summary: 'The HTTP API (PM2 runs it in cluster mode): serves the published runs, enqueues jobs, publishes its contract at /v1/openapi.json and /v1/docs.',
  options: {},
  notes: 'Settings come from the environment (README, "Configuration"): API_PORT, API_KEYS, MYSQL_READONLY_URL, REDIS_URL, …',
} as const satisfies CliSpec;

/** API process entry (PM2 runs it in cluster mode). */
async function main(): Promise<void> {
  parseCli(CLI);
  const config = getConfig();
  const log = createLogger(config, 'api');
  const readDb = createDb(config.MYSQL_READONLY_URL, config.MYSQL_POOL_MAX, log);
  const redis = createRedis(config.REDIS_URL, 'api');
  redis.on('error', (err) => log.error({ err }, `redis: ${err.message}`));
  const queues = openQueues(config, redis, (err) => log.error({ err }, `queue: ${err.message}`));
  const keys = await openKeyStore(config, readDb, redis, log);
  const serving = openServingCache(config, readDb, redis);
  const app = createApp({ config, readDb, redis, queues, log, keys: keys.store, cache: serving.cache, processMetrics: true });
  const closeAll = async (): Promise<void> => {
    serving.close();
    await keys.close();
    await queues.close();
    redis.disconnect();
    await readDb.destroy();
  };
  const server = createServer(app);
  // Without this, a port that cannot be bound leaves a process that says it serves and listens on nothing.
  server.once('error', (err: NodeJS.ErrnoException) => {
    log.fatal({ code: err.code }, `ShopIntent API cannot listen on port ${config.API_PORT} (API_PORT): ${LISTEN_PROBLEMS[err.code ?? ''] ?? err.message}`);
    const bail = setTimeout(() => process.exit(1), 2_000);
    bail.unref();
    void closeAll().finally(() => process.exit(1));
  });
  server.listen(config.API_PORT, () => log.info({ port: config.API_PORT, managedKeys: keys.store.counts().db }, `ShopIntent API on http://127.0.0.1:${config.API_PORT}`));
  onShutdown(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await closeAll();
  }, log);
}

main().catch((err: unknown) => {
  // Before a logger exists (bad settings): plain text on stderr, the list of bad keys as ConfigError words it.
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
});

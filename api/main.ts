import type { Server } from 'node:http';
import { ConfigError, getConfig } from '../config';
import { createDb } from '../db/knex';
import { openQueues } from '../jobs/queues';
import { createRedis } from '../jobs/redis';
import { onShutdown } from '../jobs/shutdown';
import { createApp } from './app';

/** API process entry (PM2 runs it in cluster mode). */
function main(): void {
  const config = getConfig();
  const readDb = createDb(config.MYSQL_READONLY_URL, config.MYSQL_POOL_MAX);
  const redis = createRedis(config.REDIS_URL, 'api');
  redis.on('error', (err) => console.error(`redis: ${err.message}`));
  const queues = openQueues(config, redis, (err) => console.error(`queue: ${err.message}`));
  const app = createApp({ config, readDb, redis, queues });
  const server: Server = app.listen(config.API_PORT, () => console.log(`ShopIntent API on http://127.0.0.1:${config.API_PORT}`));
  onShutdown(async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await queues.close();
    redis.disconnect();
    await readDb.destroy();
  });
}

try {
  main();
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : err);
  process.exit(1);
}

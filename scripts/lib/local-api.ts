import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { createApp } from '../../api/app';
import { openServingCache } from '../../api/serving-cache';
import type { Config } from '../../config';
import { createDb, type Db } from '../../db/knex';
import { openQueues, type Queues } from '../../jobs/queues';
import { createRedis } from '../../jobs/redis';

/** The API app wired as api/main.ts wires it (read-only MySQL user, fail-fast Redis), with what it logged. */
export interface LocalApi {
  app: Express;
  queues: Queues;
  readDb: Db;
  redis: Redis;
  /** lines the app logged (real failures only: 4xx are not logged) */
  logged: string[];
  /** removes the run's queues and rate-limit counters (their prefix is throwaway) when Redis is up, then closes every connection */
  close(): Promise<void>;
}

/**
 * Builds the app over its own connections for tests and chaos runs (lives in compiled code: test/ is not built).
 * By default it waits for Redis; `waitForRedis: false` is for checking how the API behaves while Redis is down.
 */
export async function openLocalApi(config: Readonly<Config>, opts: { waitForRedis?: boolean } = {}): Promise<LocalApi> {
  const readDb = createDb(config.MYSQL_READONLY_URL, 2);
  const redis = createRedis(config.REDIS_URL, 'api');
  redis.on('error', () => undefined);
  if (opts.waitForRedis !== false && redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  const queues = openQueues(config, redis);
  const logged: string[] = [];
  const serving = openServingCache(config, readDb, redis);
  const app = createApp({ config, readDb, redis, queues, cache: serving.cache, log: (m) => logged.push(m) });
  return {
    app,
    queues,
    readDb,
    redis,
    logged,
    async close() {
      if (redis.status === 'ready') {
        await Promise.all([...queues.byName.values()].map((q) => q.obliterate({ force: true })));
        // The rate limiters' counters live under the prefix too.
        const keys = await redis.keys(`${config.QUEUE_PREFIX}:ratelimit:*`);
        if (keys.length > 0) await redis.del(...keys);
      }
      serving.close();
      await queues.close().catch(() => undefined);
      redis.disconnect();
      await readDb.destroy();
    },
  };
}

import type { Express } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../config';
import { createApp } from '../../api/app';
import { createDb, type Db } from '../../db/knex';
import { openQueues, type Queues } from '../../jobs/queues';
import { createRedis } from '../../jobs/redis';

/** The API wired as in production (read-only MySQL user, fail-fast Redis), for supertest. */
export interface TestApi {
  app: Express;
  queues: Queues;
  readDb: Db;
  redis: Redis;
  close(): Promise<void>;
}

export async function startTestApi(config: Readonly<Config>): Promise<TestApi> {
  const readDb = createDb(config.MYSQL_READONLY_URL, 2);
  const redis = createRedis(config.REDIS_URL, 'api');
  // The API's connection fails fast while not connected; a test starts once it is.
  if (redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  const queues = openQueues(config, redis);
  const logged: string[] = [];
  const app = createApp({ config, readDb, redis, queues, log: (m) => logged.push(m) });
  return {
    app,
    queues,
    readDb,
    redis,
    async close() {
      // Tests use throwaway prefixes: remove their keys so Redis does not fill up across runs.
      await Promise.all([...queues.byName.values()].map((q) => q.obliterate({ force: true })));
      await queues.close();
      redis.disconnect();
      await readDb.destroy();
    },
  };
}

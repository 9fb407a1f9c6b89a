import type { Express } from 'express';
import type { Redis } from 'ioredis';
import { createApp } from '../../api/app';
import { openServingCache } from '../../api/serving-cache';
import { openKeyStore, type OpenKeyStore } from '../../api/keys/store';
import type { Config } from '../../config';
import { createLogger, type LogRecord } from '../../config/logger';
import { createDb, type Db } from '../../db/knex';
import { openQueues, type Queues } from '../../jobs/client/queues';
import { createRedis } from '../../jobs/client/redis';

/** The API app wired as api/main.ts wires it (read-only MySQL user, fail-fast Redis), with what it logged. */
export interface LocalApi {
  app: Express;
  queues: Queues;
  readDb: Db;
  redis: Redis;
  /** messages the app itself logged at warn or above (real failures, readiness; not the per-request lines, not knex's own) */
  logged: string[];
  /** every line logged at `logLevel` or above, parsed (per-request lines included) */
  records: LogRecord[];
  /** the managed-key store, when opened with `managedKeys` */
  keys: OpenKeyStore | null;
  /** removes the run's queues and rate-limit counters (their prefix is throwaway) when Redis is up, then closes every connection */
  close(): Promise<void>;
}

/**
 * Builds the app over its own connections for tests and chaos runs (lives in compiled code: test/ is not built).
 * By default it waits for Redis; `waitForRedis: false` is for checking how the API behaves while Redis is down.
 */
export async function openLocalApi(
  config: Readonly<Config>,
  opts: { waitForRedis?: boolean; logLevel?: Config['LOG_LEVEL']; managedKeys?: boolean } = {},
): Promise<LocalApi> {
  const redis = createRedis(config.REDIS_URL, 'api');
  redis.on('error', () => undefined);
  if (opts.waitForRedis !== false && redis.status !== 'ready') await new Promise((resolve) => redis.once('ready', resolve));
  const queues = openQueues(config, redis);
  const logged: string[] = [];
  const records: LogRecord[] = [];
  // Captured whatever LOG_LEVEL says (tests run with 'silent'): warn and above by default.
  const log = createLogger({ LOG_LEVEL: opts.logLevel ?? 'warn' }, 'api', {
    write(line: string) {
      const r = JSON.parse(line) as LogRecord;
      records.push(r);
      if (['warn', 'error', 'fatal'].includes(r.level) && !('responseTime' in r) && r.component !== 'knex') logged.push(String(r.msg ?? ''));
    },
  });
  const readDb = createDb(config.MYSQL_READONLY_URL, 2, log);
  const keys = opts.managedKeys === true ? await openKeyStore(config, readDb, redis, log) : null;
  const serving = openServingCache(config, readDb, redis);
  const app = createApp({ config, readDb, redis, queues, log, cache: serving.cache, ...(keys ? { keys: keys.store } : {}) });
  return {
    app,
    queues,
    readDb,
    redis,
    logged,
    records,
    keys,
    async close() {
      await keys?.close();
      if (redis.status === 'ready') {
        await Promise.all([...queues.byName.values()].map((q) => q.obliterate({ force: true })));
        // The rate limiters' counters, the metrics and the keys' last use live under the prefix too.
        const found = (await Promise.all(['ratelimit', 'metrics', 'api-keys'].map((k) => redis.keys(`${config.QUEUE_PREFIX}:${k}:*`)))).flat();
        if (found.length > 0) await redis.del(...found);
      }
      serving.close();
      await queues.close().catch(() => undefined);
      redis.disconnect();
      await readDb.destroy();
    },
  };
}

import { Redis, type RedisOptions } from 'ioredis';

/**
 * Worker connections block on Redis and must never give up a command (BullMQ requires
 * maxRetriesPerRequest: null); the API's must fail fast instead of queueing commands while Redis is down.
 */
export function createRedis(url: string, role: 'worker' | 'api'): Redis {
  const opts: RedisOptions =
    role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 };
  return new Redis(url, opts);
}

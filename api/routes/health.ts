import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Db } from '../../db/knex';
import { ping } from '../../db/repositories/serving';

/** Liveness (the process answers) and readiness (MySQL and Redis answer); no API key needed. */
export function healthRouter(db: Db, redis: Redis): Router {
  const r = Router();
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const check = async (f: () => Promise<unknown>): Promise<string> => {
      try {
        await f();
        return 'ok';
      } catch (err) {
        return `down: ${err instanceof Error ? err.message : String(err)}`;
      }
    };
    const [mysql, redisState] = await Promise.all([check(() => ping(db)), check(() => redis.ping())]);
    const ok = mysql === 'ok' && redisState === 'ok';
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', mysql, redis: redisState });
  });
  return r;
}

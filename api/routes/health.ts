import type { Router } from 'express';
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Logger } from '../../config/logger';
import type { Db } from '../../db/knex';
import { ping } from '../../db/repositories/serving';
import { contractRouter, jsonResponse, type RouteSpec } from '../openapi/contract';
import { safeText } from '../text';

/** How often the same readiness failure is logged again while it lasts. */
const REPEAT_LOG_MS = 30_000;

const state = z.enum(['ok', 'down']);
const readiness = z.object({ status: z.enum(['ready', 'not ready']), mysql: state, redis: state }).meta({ id: 'Readiness' });

export const healthRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: '/healthz',
    summary: 'Liveness: the process answers',
    tags: ['health'],
    scope: null,
    responses: { 200: jsonResponse('alive', z.object({ status: z.literal('ok') }), { status: 'ok' }) },
  },
  {
    method: 'get',
    path: '/readyz',
    summary: 'Readiness: MySQL and Redis answer',
    description: 'Says only ok or down per service; why a check failed is logged, not shown.',
    tags: ['health'],
    scope: null,
    responses: {
      200: jsonResponse('ready', readiness, { status: 'ready', mysql: 'ok', redis: 'ok' }),
      503: jsonResponse('not ready', readiness, { status: 'not ready', mysql: 'ok', redis: 'down' }),
    },
  },
];

/**
 * Liveness (the process answers) and readiness (MySQL and Redis answer); no API key needed, so the answer says
 * only ok or down: why is logged here (bounded; once per change or per 30 s, not once per probe).
 */
export function healthRouter(db: Db, redis: Redis, log: Logger): Router {
  const r = contractRouter(healthRoutes);
  let last = { line: '', at: 0 };
  r.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  r.get('/readyz', async (_req, res) => {
    const check = async (name: string, f: () => Promise<unknown>): Promise<{ state: 'ok' | 'down'; why: string }> => {
      try {
        await f();
        return { state: 'ok', why: '' };
      } catch (err) {
        return { state: 'down', why: `${name}: ${safeText(err instanceof Error ? err.message : String(err), 300)}` };
      }
    };
    const [mysql, redisState] = await Promise.all([check('mysql', () => ping(db)), check('redis', () => redis.ping())]);
    const ok = mysql.state === 'ok' && redisState.state === 'ok';
    if (!ok) {
      const line = `readyz: not ready: ${[mysql.why, redisState.why].filter(Boolean).join('; ')}`;
      if (line !== last.line || Date.now() - last.at > REPEAT_LOG_MS) {
        last = { line, at: Date.now() };
        log.warn({ mysql: mysql.state, redis: redisState.state }, line);
      }
    }
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : 'not ready', mysql: mysql.state, redis: redisState.state });
  });
  return r;
}

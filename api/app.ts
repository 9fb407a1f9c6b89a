import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Queues } from '../jobs/queues';
import { requireScope } from './auth';
import { BOARD_PATH, boardRouter } from './board';
import { errorHandler, requestId, requireRedis, unknownRoute } from './errors';
import { adminRouter } from './routes/admin';
import { healthRouter } from './routes/health';
import { ingestRouter } from './routes/ingest';
import { jobsRouter } from './routes/jobs';
import { servingRouter } from './routes/serving';

export interface ApiDeps {
  config: Readonly<Config>;
  /** the SELECT-only connection */
  readDb: Db;
  redis: Redis;
  queues: Queues;
  log?: (msg: string) => void;
}

/** Builds the Express app over connections the caller owns (and closes). */
export function createApp(deps: ApiDeps): Express {
  const log = deps.log ?? ((m: string) => console.error(m));
  const app = express();
  app.disable('x-powered-by');
  app.use(requestId);
  app.use(healthRouter(deps.readDb, deps.redis));
  app.use(servingRouter(deps.config, deps.readDb));
  // Everything below talks to Redis; BullMQ would wait for a lost Redis forever, so answer 503 at once instead.
  app.use(requireRedis(deps.redis));
  // The upload route streams its body itself, so it goes before the JSON parser.
  app.use(ingestRouter(deps.config, deps.queues, deps.readDb));
  app.use(express.json({ limit: '1mb' }));
  app.use(jobsRouter(deps.config, deps.queues));
  app.use(adminRouter(deps.config, deps.queues));
  app.use(BOARD_PATH, requireScope(deps.config.API_KEYS, 'ops', { basicChallenge: true }), boardRouter(deps.queues));
  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}

import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Queues } from '../jobs/queues';
import { authenticate, requireScope } from './auth';
import { BOARD_PATH, boardRouter } from './board';
import { errorHandler, requestId, requireRedis, unknownRoute } from './errors';
import { createLimits, enqueueLimit } from './rate-limits';
import { adminRouter } from './routes/admin';
import { healthRouter } from './routes/health';
import { ingestRouter } from './routes/ingest';
import { jobsRouter } from './routes/jobs';
import { servingRouter } from './routes/serving';
import { audiencesRouter } from './routes/audiences';
import { campaignsRouter } from './routes/campaigns';
import { segmentsRouter } from './routes/segments';
import { boardContentSecurityPolicy, corsFor, refuseCrossSite, requireJsonBody, securityHeaders } from './security';

export interface ApiDeps {
  config: Readonly<Config>;
  /** the SELECT-only connection */
  readDb: Db;
  redis: Redis;
  queues: Queues;
  log?: (msg: string) => void;
}

/** Routes that add work to the queues: they share a per-key quota on top of the general limits. */
const ENQUEUE_ROUTES = ['/v1/jobs/:type', '/v1/ingest', '/v1/pipelines/nightly', '/v1/models/:version/activate'];
/** Enqueue routes whose optional body is JSON (POST /v1/ingest takes the raw file instead). */
const JSON_BODY_ROUTES = ['/v1/jobs/:type', '/v1/pipelines/nightly', '/v1/models/:version/activate'];

/** Builds the Express app over connections the caller owns (and closes). */
export function createApp(deps: ApiDeps): Express {
  const { config } = deps;
  const log = deps.log ?? ((m: string) => console.error(m));
  const limits = createLimits(config, deps.redis);
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(requestId);
  app.use(securityHeaders());
  const cors = corsFor(config.CORS_ORIGINS);
  if (cors) app.use(cors);
  // Health checks: no key, no limits (load balancers poll them).
  app.use(healthRouter(deps.readDb, deps.redis, log));
  app.use(refuseCrossSite(config));
  // Per-address and per-key limits, the failed-key throttle, and the key itself, for every route below.
  app.use(authenticate(config.API_KEYS, limits, BOARD_PATH));
  app.use(servingRouter(config, deps.readDb));
  app.use(segmentsRouter(config, deps.readDb), audiencesRouter(config, deps.readDb), campaignsRouter(config, deps.readDb));
  // Everything below talks to Redis; BullMQ would wait for a lost Redis forever, so answer 503 at once instead.
  app.use(requireRedis(deps.redis));
  app.post(ENQUEUE_ROUTES, enqueueLimit(limits));
  // The upload route streams its body itself, so it goes before the JSON parser.
  app.use(ingestRouter(config, deps.queues, deps.readDb));
  app.post(JSON_BODY_ROUTES, requireJsonBody);
  app.use(express.json({ limit: '1mb' }));
  app.use(jobsRouter(config, deps.queues));
  app.use(adminRouter(config, deps.queues));
  // Read keys see a read-only board; ops keys a writable one.
  app.use(BOARD_PATH, boardContentSecurityPolicy(), requireScope(config.API_KEYS, 'read', { basicChallenge: true }), boardRouter(app, deps.queues));
  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}

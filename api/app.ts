import express, { type Express } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { createLogger, type Logger } from '../config/logger';
import type { Db } from '../db/knex';
import type { Queues } from '../jobs/client/queues';
import { authenticate, requireScope } from './auth';
import { BOARD_PATH, boardRouter } from './board';
import { errorHandler, requestId, requireRedis, unknownRoute } from './errors';
import { openApiDocumentFor } from './openapi/document';
import { requestLogger } from './http-log';
import { envKeyLookup, type KeyStore } from './keys/store';
import { createApiMetrics } from './metrics';
import { createLimits, enqueueLimit } from './rate-limits';
import { adminRouter } from './routes/admin';
import { docsRouter } from './routes/docs';
import { healthRouter } from './routes/health';
import { ingestRouter } from './routes/ingest';
import { opsPageRouter } from './routes/ops-page';
import { jobsRouter } from './routes/jobs';
import { keysRouter } from './routes/keys';
import { metricsRouter } from './routes/metrics';
import { servingRouter } from './routes/serving';
import { audiencesRouter } from './routes/audiences';
import { campaignsRouter } from './routes/campaigns';
import { segmentsRouter } from './routes/segments';
import { whoamiRouter } from './routes/whoami';
import type { ServingCache } from './serving-cache';
import { ServingReads } from './serving-reads';
import { boardContentSecurityPolicy, corsFor, refuseCrossSite, requireJsonBody, securityHeaders } from './security';

export interface ApiDeps {
  config: Readonly<Config>;
  /** the SELECT-only connection */
  readDb: Db;
  redis: Redis;
  queues: Queues;
  /** published rows in memory, dropped when a run is published (see serving-cache.ts) */
  cache: ServingCache;
  /** JSON-lines logger (default: stdout at LOG_LEVEL) */
  log?: Logger;
  /** API_KEYS plus the managed keys, kept fresh (api/keys/store.ts); without it only API_KEYS are accepted */
  keys?: KeyStore;
  /** add the Node process metrics (CPU, memory, event-loop lag) to /metrics: the API process does, tests do not */
  processMetrics?: boolean;
}

/** Routes that add work to the queues: they share a per-key quota on top of the general limits. */
const ENQUEUE_ROUTES = ['/v1/jobs/:type', '/v1/ingest', '/v1/pipelines/nightly', '/v1/models/:version/activate'];
/** Enqueue routes whose optional body is JSON (POST /v1/ingest takes the raw file instead). */
const JSON_BODY_ROUTES = ['/v1/jobs/:type', '/v1/pipelines/nightly', '/v1/models/:version/activate'];

/** Builds the Express app over connections the caller owns (and closes). */
export function createApp(deps: ApiDeps): Express {
  const { config } = deps;
  const log = deps.log ?? createLogger(config, 'api');
  const keys = deps.keys ?? envKeyLookup(config.API_KEYS);
  const limits = createLimits(config, deps.redis);
  const metrics = createApiMetrics({ ...deps, keys: deps.keys ?? null, processMetrics: deps.processMetrics === true });
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', config.TRUST_PROXY);
  app.use(requestId);
  // One log line per request (with its request id) and its latency by route, for every route below.
  app.use(requestLogger(log));
  app.use(metrics.observe);
  app.use(securityHeaders());
  const cors = corsFor(config.CORS_ORIGINS);
  if (cors) app.use(cors);
  // Health checks: no key, no limits (load balancers poll them).
  app.use(healthRouter(deps.readDb, deps.redis, log));
  app.use(refuseCrossSite(config));
  // Per-address and per-key limits, the failed-key throttle, and the key itself, for every route below.
  app.use(authenticate(keys, limits, BOARD_PATH));
  app.use(metricsRouter(keys, metrics));
  app.use(whoamiRouter());
  // The contract (OpenAPI 3.1 and its page): no key, built from the specs of every router mounted here.
  app.use(docsRouter(() => openApiDocumentFor(app)));
  app.use(servingRouter(config, deps.readDb, new ServingReads(deps.readDb, deps.cache, config.SERVING_CACHE_WARM_KEYS)));
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
  app.use(opsPageRouter(config, deps.readDb, deps.queues));
  app.use(keysRouter(config, keys, deps.readDb, deps.redis));
  // Read keys see a read-only board; ops keys a writable one.
  app.use(BOARD_PATH, boardContentSecurityPolicy(), requireScope(config.API_KEYS, 'read', { basicChallenge: true }), boardRouter(app, deps.queues));
  app.use(unknownRoute);
  app.use(errorHandler(log));
  return app;
}

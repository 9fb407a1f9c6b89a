import type { RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import { activeModels, publishedRuns } from '../db/repositories/monitoring';
import { JOB_DURATION } from '../jobs/client/job-metrics';
import type { Queues } from '../jobs/client/queues';
import { histogramKey, readHistogram, SharedHistogram, type HistogramSpec } from '../jobs/client/shared-histogram';
import { routeOf } from './http-log';
import type { KeyStore } from './keys/store';

/** Request latency by route pattern: its `_count` is the request rate. Buckets around the 10 ms serving goal. */
export const HTTP_DURATION: HistogramSpec = {
  name: 'shopintent_http_request_duration_seconds',
  help: 'Time from a request arriving to its response finishing, by method, route pattern and status code; all API processes together',
  labelNames: ['method', 'route', 'status_code'],
  buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
};

/** Numeric model metrics as `group.name` (for_you.ndcg_at_20, intent.auc), two levels deep, bounded. */
export function flattenMetrics(m: Record<string, unknown>, max = 100): [string, number][] {
  const out: [string, number][] = [];
  for (const [k, v] of Object.entries(m)) {
    if (typeof v === 'number' && Number.isFinite(v)) out.push([k, v]);
    else if (v && typeof v === 'object' && !Array.isArray(v)) {
      for (const [k2, v2] of Object.entries(v as Record<string, unknown>)) if (typeof v2 === 'number' && Number.isFinite(v2)) out.push([`${k}.${k2}`, v2]);
    }
  }
  return out.slice(0, max);
}

/**
 * Several expositions as one: BullMQ writes HELP and TYPE once per queue, and a family may appear only once in
 * a scrape, so samples are grouped under one header per family. BullMQ's `, ` between labels is tightened too.
 */
export function mergeExpositions(texts: readonly string[]): string {
  const families = new Map<string, { header: string[]; samples: string[] }>();
  let current = '';
  for (const line of texts.flatMap((t) => t.split('\n'))) {
    const header = /^# (HELP|TYPE) (\S+)/.exec(line);
    if (header) {
      current = header[2] ?? '';
      const f = families.get(current) ?? { header: [], samples: [] };
      if (!f.header.some((h) => h.startsWith(`# ${header[1] ?? ''} `))) f.header.push(line);
      families.set(current, f);
    } else if (line.trim() && !line.startsWith('#')) {
      const name = /^[^{\s]+/.exec(line)?.[0] ?? current;
      const f = families.get(current) ?? families.get(name) ?? { header: [], samples: [] };
      f.samples.push(line.replace(/",\s+(?=[a-zA-Z_])/g, '",'));
      families.set(families.has(current) ? current : name, f);
    }
  }
  return [...families.values()].map((f) => [...f.header, ...f.samples].join('\n')).join('\n') + (families.size > 0 ? '\n' : '');
}

export interface ApiMetricsDeps {
  config: Readonly<Config>;
  readDb: Db;
  redis: Redis;
  queues: Queues;
  keys: KeyStore | null;
  /** the Node process metrics (CPU, memory, event-loop lag) of the process that answers the scrape */
  processMetrics: boolean;
}

/** What the app mounts: the per-request observer, and the scrape. */
export interface ApiMetrics {
  observe: RequestHandler;
  render(): Promise<string>;
  contentType: string;
}

/**
 * The API's metrics. Request latency and job durations are Redis-backed histograms (jobs/client/shared-histogram.ts):
 * every API process and every worker adds to them, so whichever API process PM2 hands the scrape to answers for
 * the whole deployment. Queue depths come from BullMQ's own export, the active model and the published runs from
 * MySQL through the read-only user, each read at scrape time. A source that fails leaves its series out and says
 * so in `shopintent_metrics_source_up`, instead of failing the scrape.
 */
export function createApiMetrics(deps: ApiMetricsDeps): ApiMetrics {
  const { config, redis } = deps;
  const registry = new Registry();
  if (deps.processMetrics) collectDefaultMetrics({ register: registry });
  const gauge = <L extends string>(name: string, help: string, labelNames: readonly L[]): Gauge<L> => new Gauge({ name, help, labelNames, registers: [registry] });
  const sourceUp = gauge('shopintent_metrics_source_up', 'Whether this scrape could read a source (mysql, redis): 1 yes, 0 no (its series are then missing)', ['source']);
  const activeVersion = gauge('shopintent_model_active_version', 'Version of the active model of each kind', ['kind']);
  const activeMetric = gauge('shopintent_model_active_metric', 'Holdout metrics of the active model, as recorded when it was trained (for_you.ndcg_at_20, intent.auc, ...)', ['kind', 'version', 'metric']);
  const activeSince = gauge('shopintent_model_active_since_timestamp_seconds', 'When the active model was activated (Unix seconds)', ['kind']);
  const runAge = gauge('shopintent_published_run_age_seconds', 'Seconds since the run served now was published, by kind (scores, segments)', ['kind']);
  const runId = gauge('shopintent_published_run_id', 'Id of the run served now, by kind', ['kind']);
  const runUsers = gauge('shopintent_published_run_users', 'Customers in the run served now, by kind', ['kind']);
  const keysLoaded = gauge('shopintent_api_keys_loaded', 'API keys this process accepts, by source (env: API_KEYS, db: managed keys)', ['source']);
  const keysAge = gauge('shopintent_api_keys_reload_age_seconds', 'Seconds since this process last loaded the managed keys (-1: never)', []);

  const http = new SharedHistogram(redis, histogramKey(config.QUEUE_PREFIX, HTTP_DURATION), HTTP_DURATION);

  const readMysql = async (): Promise<void> => {
    // Reset first: a failed read leaves these series out rather than showing the last scrape's values as current.
    for (const g of [activeVersion, activeMetric, activeSince, runAge, runId, runUsers]) g.reset();
    const [models, runs] = await Promise.all([activeModels(deps.readDb), publishedRuns(deps.readDb)]);
    for (const model of models) {
      activeVersion.set({ kind: model.kind }, model.version);
      if (model.activatedAt !== null) activeSince.set({ kind: model.kind }, model.activatedAt / 1000);
      for (const [metric, value] of flattenMetrics(model.metrics)) activeMetric.set({ kind: model.kind, version: String(model.version), metric }, value);
    }
    const now = Date.now();
    for (const r of runs) {
      runAge.set({ kind: r.kind }, Math.max(0, (now - r.publishedAt) / 1000));
      runId.set({ kind: r.kind }, r.runId);
      runUsers.set({ kind: r.kind }, r.users);
    }
  };

  const readRedis = async (): Promise<string> => {
    await http.flush();
    const [httpText, jobText, ...queueTexts] = await Promise.all([
      readHistogram(redis, http.key, HTTP_DURATION),
      readHistogram(redis, histogramKey(config.QUEUE_PREFIX, JOB_DURATION), JOB_DURATION),
      ...[...deps.queues.byName.values()].map((q) => q.exportPrometheusMetrics()),
    ]);
    return httpText + jobText + mergeExpositions(queueTexts);
  };

  return {
    contentType: registry.contentType,
    observe: (req, res, next) => {
      const started = process.hrtime.bigint();
      res.once('finish', () => {
        const seconds = Number(process.hrtime.bigint() - started) / 1e9;
        http.observe({ method: req.method, route: routeOf(req), status_code: String(res.statusCode) }, seconds);
      });
      next();
    },
    async render() {
      const [mysql, fromRedis] = await Promise.allSettled([readMysql(), readRedis()]);
      sourceUp.set({ source: 'mysql' }, mysql.status === 'fulfilled' ? 1 : 0);
      sourceUp.set({ source: 'redis' }, fromRedis.status === 'fulfilled' ? 1 : 0);
      if (deps.keys) {
        const counts = deps.keys.counts();
        keysLoaded.set({ source: 'env' }, counts.env);
        keysLoaded.set({ source: 'db' }, counts.db);
        keysAge.set(deps.keys.loadedAt > 0 ? (Date.now() - deps.keys.loadedAt) / 1000 : -1);
      }
      const own = await registry.metrics();
      return own + (fromRedis.status === 'fulfilled' ? fromRedis.value : '');
    },
  };
}

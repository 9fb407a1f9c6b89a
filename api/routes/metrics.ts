import type { Router } from 'express';
import { z } from 'zod';
import { requireScope } from '../auth';
import type { KeyLookup } from '../keys/store';
import type { ApiMetrics } from '../metrics';
import { contractRouter } from '../openapi/contract';

/**
 * GET /metrics (Prometheus text). It needs a key with the `metrics` scope (a scrape-only key for Prometheus, sent
 * as `Authorization: Bearer`) or `ops`: queue depths, model metrics and traffic are the shop's business, and a
 * scraper's key should be able to do nothing else.
 */
export function metricsRouter(keys: KeyLookup, metrics: ApiMetrics): Router {
  const r = contractRouter([{
    method: 'get', path: '/metrics', summary: 'Prometheus metrics of the deployment (a `metrics` key, or an `ops` key)', tags: ['ops'], scope: 'metrics',
    responses: {
      200: {
        description: 'Prometheus text exposition: request latency by route, job durations, queue depths, the active model, published runs',
        content: { 'text/plain': { schema: z.string(), example: '# TYPE shopintent_published_run_age_seconds gauge\nshopintent_published_run_age_seconds{kind="scores"} 812.4\n' } },
      },
    },
  }]);
  r.get('/metrics', requireScope(keys, ['metrics', 'ops']), async (_req, res) => {
    const body = await metrics.render();
    res.setHeader('Content-Type', metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  });
  return r;
}

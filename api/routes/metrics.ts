import { Router } from 'express';
import { requireScope } from '../auth';
import type { KeyLookup } from '../keys/store';
import type { ApiMetrics } from '../metrics';

/**
 * GET /metrics (Prometheus text). It needs a key with the `metrics` scope (a scrape-only key for Prometheus, sent
 * as `Authorization: Bearer`) or `ops`: queue depths, model metrics and traffic are the shop's business, and a
 * scraper's key should be able to do nothing else.
 */
export function metricsRouter(keys: KeyLookup, metrics: ApiMetrics): Router {
  const r = Router();
  r.get('/metrics', requireScope(keys, ['metrics', 'ops']), async (_req, res) => {
    const body = await metrics.render();
    res.setHeader('Content-Type', metrics.contentType);
    res.setHeader('Cache-Control', 'no-store');
    res.send(body);
  });
  return r;
}

import type { Router } from 'express';
import helmet from 'helmet';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { listModels } from '../../db/repositories/models';
import { recentRuns } from '../../db/repositories/ops';
import { liveSegmentsRun, segmentsIn } from '../../db/repositories/campaigns';
import type { Queues } from '../../jobs/client/queues';
import { requireScope } from '../auth';
import { BOARD_PATH } from '../board';
import { contractRouter, errorResponse } from '../openapi/contract';
import { renderOpsPage, type QueueHealth } from '../ops-page/page';

export const OPS_PAGE_PATH = '/admin';

/** The page has no script at all: only its own inline style and inline SVG. */
const pagePolicy = helmet.contentSecurityPolicy({
  useDefaults: false,
  directives: { defaultSrc: ["'none'"], styleSrc: ["'unsafe-inline'"], imgSrc: ["'self'", 'data:'], frameAncestors: ["'none'"], baseUri: ["'none'"], formAction: ["'none'"] },
});

async function queueHealth(queues: Queues): Promise<QueueHealth[]> {
  return Promise.all([...queues.byName.values()].map(async (q) => ({
    name: q.name,
    counts: await q.getJobCounts('waiting', 'active', 'waiting-children', 'delayed', 'failed', 'completed'),
    workers: await q.getWorkersCount(),
  })));
}

/** GET /admin: the ops page (an `ops` key; browsers are asked for it with Basic auth, as for Bull Board). */
export function opsPageRouter(config: Readonly<Config>, db: Db, queues: Queues): Router {
  const r = contractRouter([{
    method: 'get', path: OPS_PAGE_PATH, summary: 'The ops page: active model, metrics by version, last runs, segment sizes, queue health (HTML)',
    tags: ['ops'], scope: 'ops',
    responses: {
      200: { description: 'the page (server-rendered, no script)', content: { 'text/html': { schema: z.string(), example: '<!doctype html><html lang="en">…' } } },
      401: errorResponse('no key: browsers are asked for one with Basic auth', 'unauthorized', 'missing API key'),
    },
  }]);
  r.get(OPS_PAGE_PATH, requireScope(config.API_KEYS, 'ops', { basicChallenge: true }), pagePolicy, async (_req, res) => {
    const [models, runs, segmentsRun, health] = await Promise.all([listModels(db, 30), recentRuns(db, 15), liveSegmentsRun(db), queueHealth(queues)]);
    res.type('html').send(renderOpsPage({
      models, runs, queues: health, generatedAt: new Date().toISOString(),
      segments: segmentsRun ? { runId: segmentsRun.runId, publishedAt: segmentsRun.publishedAt ?? '', segments: await segmentsIn(db, segmentsRun.runId) } : null,
    }, BOARD_PATH));
  });
  return r;
}

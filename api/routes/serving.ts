import { Router, type Request } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { getIntent, getRecommendations } from '../../db/repositories/serving';
import { listModels } from '../../db/repositories/models';
import { describeIssues } from '../../jobs/catalogue';
import { requireScope } from '../auth';
import { badRequest, notFound } from '../errors';

const idParam = z.string().min(1).max(64);

function query<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw badRequest(describeIssues(parsed.error.issues));
  return parsed.data;
}

function param(req: Request, name: string): string {
  const parsed = idParam.safeParse(req.params[name]);
  if (!parsed.success) throw badRequest(`${name}: must be 1 to 64 characters`);
  return parsed.data;
}

/** Read-only routes over the published run (through the SELECT-only connection). */
export function servingRouter(config: Readonly<Config>, db: Db): Router {
  const r = Router();
  const read = requireScope(config.API_KEYS, 'read');
  const recQuery = z.object({
    list: z.enum(['for-you', 'discover']).default('for-you'),
    limit: z.coerce.number().int().min(1).max(100).default(config.TOP_K),
  });

  r.get('/v1/users/:id/recommendations', read, async (req, res) => {
    const userId = param(req, 'id');
    const q = query(recQuery, req);
    const found = await getRecommendations(db, userId, q.list, q.limit);
    if (!found) throw notFound(`no published ${q.list} recommendations for user "${userId}"`);
    res.json({ userId, list: q.list, runId: found.run.runId, modelVersion: found.run.modelVersion, publishedAt: found.run.publishedAt, items: found.items });
  });

  r.get('/v1/users/:id/intent', read, async (req, res) => {
    const userId = param(req, 'id');
    const found = await getIntent(db, userId);
    if (!found) throw notFound(`no published intent score for user "${userId}"`);
    res.json({ userId, probability: found.probability, horizonDays: found.horizonDays, runId: found.run.runId, modelVersion: found.run.modelVersion, publishedAt: found.run.publishedAt });
  });

  r.get('/v1/models', read, async (_req, res) => {
    res.json({ models: await listModels(db) });
  });
  return r;
}

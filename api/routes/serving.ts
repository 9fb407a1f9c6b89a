import express, { type Request, type Router } from 'express';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { type ListedItem, type PublishedScores } from '../../db/repositories/serving';
import { listModels } from '../../db/repositories/models';
import { describeIssues } from '../../config/errors';
import { requireScope } from '../auth';
import { badRequest, notFound } from '../errors';
import { sendJsonBody } from '../json-bodies';
import { parseQuery } from '../params';
import { requireJsonBody } from '../security';
import type { ServingReads } from '../serving-reads';
import { idParam, servingContract } from './serving-contract';

function param(req: Request, name: string): string {
  const parsed = idParam.safeParse(req.params[name]);
  if (!parsed.success) throw badRequest(`${name}: must be 1 to 64 characters`);
  return parsed.data;
}

/** Read-only routes over the published run (through the SELECT-only connection, behind the serving cache). */
export function servingRouter(config: Readonly<Config>, db: Db, reads: ServingReads): Router {
  const contract = servingContract(config.TOP_K);
  const r = contract.router;
  const read = requireScope(config.API_KEYS, 'read');

  const liveRun = async (what: string): Promise<PublishedScores> => {
    const run = await reads.run();
    if (!run) throw notFound(`no published ${what} yet: run score-all-users first`);
    return run;
  };
  const runFields = (run: PublishedScores) => ({ runId: run.runId, modelVersion: run.modelVersion, publishedAt: run.publishedAt });
  const items = (list: ListedItem[]) => list.map((it) => ({ rank: it.rank, itemId: it.itemId, title: it.title, category: it.category, score: it.score, reason: it.reason, reasonItemId: it.reasonItemId }));

  r.get('/v1/users/:id/recommendations', read, async (req, res) => {
    const userId = param(req, 'id');
    const q = parseQuery(contract.rec, req);
    const run = await liveRun('recommendations');
    // The site asks for the same lists all day: each answer is serialised once per run (dropped on publish).
    const body = await reads.body(run, ['recommendations', userId, q.list, q.limit, q.category ?? null], async () => {
      const [served] = await reads.lists(run, [userId], q.list, q.limit, q.category);
      return { userId, list: q.list, ...(q.category === undefined ? {} : { category: q.category }), coldStart: served!.coldStart, ...runFields(run), items: items(served!.items) };
    });
    sendJsonBody(res, body);
  });

  r.post('/v1/recommendations\\:batchGet', read, requireJsonBody, express.json({ limit: '256kb' }), async (req, res) => {
    const parsed = contract.batch.safeParse(req.body ?? {});
    if (!parsed.success) throw badRequest(describeIssues(parsed.error.issues));
    const b = parsed.data;
    const run = await liveRun('recommendations');
    const served = await reads.lists(run, b.userIds, b.list, b.limit, b.category);
    res.json({ list: b.list, ...(b.category === undefined ? {} : { category: b.category }), ...runFields(run), results: served.map((s) => ({ userId: s.userId, coldStart: s.coldStart, items: items(s.items) })) });
  });

  r.get('/v1/users/:id/intent', read, async (req, res) => {
    const userId = param(req, 'id');
    const run = await liveRun('intent scores');
    const found = await reads.intent(run, userId);
    if (!found) throw notFound(`no published intent score for user "${userId}"`);
    // Runs scored before intent kinds were recorded had learned models (the rule fallback was not published then).
    res.json({ userId, probability: found.probability, horizonDays: found.horizonDays, coldStart: found.coldStart, intentKind: run.intentKind ?? 'model', ...runFields(run) });
  });

  r.get('/v1/items/:id/similar', read, async (req, res) => {
    const itemId = param(req, 'id');
    const q = parseQuery(contract.similar, req);
    const run = await liveRun('similar items');
    const found = await reads.similar(run, itemId, q.limit);
    if (!found) throw notFound(`unknown item "${itemId}"`);
    res.json({ itemId, ...runFields(run), items: items(found) });
  });

  r.get('/v1/models', read, async (_req, res) => {
    res.json({ models: await listModels(db) });
  });
  return r;
}

import type { Router } from 'express';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { audienceIn, audienceMembersAfter, audiencesIn, liveSegmentsRun } from '../../db/repositories/campaigns';
import { requireScope } from '../auth';
import { contractRouter } from '../openapi/contract';
import { audienceRoutes } from './campaign-contract';
import { notFound } from '../errors';
import { pageQuery, parseQuery, pathId } from '../params';
import { pinnedPage, runInfo } from '../pinned-run';

/** Audiences of the published segmentation run (high-intent, churn warning, item and category affinity), members paged by rank. */
export function audiencesRouter(config: Readonly<Config>, db: Db): Router {
  const r = contractRouter(audienceRoutes);
  const read = requireScope(config.API_KEYS, 'read');
  const ttlMs = config.CURSOR_TTL_SECONDS * 1000;

  r.get('/v1/audiences', read, async (_req, res) => {
    const run = await liveSegmentsRun(db);
    res.json(run ? { ...runInfo(run), audiences: await audiencesIn(db, run.runId) } : { runId: null, audiences: [] });
  });

  r.get('/v1/audiences/:id/members', read, async (req, res) => {
    const id = pathId(req, 'id');
    const q = parseQuery(pageQuery, req);
    const page = await pinnedPage(db, q.cursor, `audience:${id}`, ttlMs);
    const audience = await audienceIn(db, page.run.runId, id);
    if (!audience) throw notFound(`no audience "${id}" in run ${page.run.runId}`);
    const members = await audienceMembersAfter(db, page.run.runId, id, typeof page.after === 'number' ? page.after : 0, q.limit);
    const last = members[members.length - 1];
    const cursor = last && last.rank < audience.size ? page.next(last.rank) : null;
    res.json({
      ...runInfo(page.run), audience, members, cursor,
      next: cursor === null ? null : `/v1/audiences/${encodeURIComponent(id)}/members?limit=${q.limit}&cursor=${cursor}`,
    });
  });
  return r;
}

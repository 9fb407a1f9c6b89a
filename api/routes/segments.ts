import type { Router } from 'express';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { lifecycleIn, liveSegmentsRun, segmentIn, segmentMembersAfter, segmentsIn } from '../../db/repositories/campaigns';
import { requireScope } from '../auth';
import { contractRouter } from '../openapi/contract';
import { segmentRoutes } from './campaign-contract';
import { notFound } from '../errors';
import { pageQuery, parseQuery, pathId } from '../params';
import { liveRunOr404, pinnedPage, runInfo } from '../pinned-run';

/** Segments, their members (pages pinned to one run) and each customer's lifecycle, from the published segmentation run. */
export function segmentsRouter(config: Readonly<Config>, db: Db): Router {
  const r = contractRouter(segmentRoutes);
  const read = requireScope(config.API_KEYS, 'read');
  const ttlMs = config.CURSOR_TTL_SECONDS * 1000;

  r.get('/v1/segments', read, async (_req, res) => {
    const run = await liveSegmentsRun(db);
    if (!run) {
      res.json({ runId: null, segments: [] });
      return;
    }
    res.json({ ...runInfo(run), asOf: run.params.asOf ?? null, movedShare: run.params.movedShare ?? null, segments: await segmentsIn(db, run.runId) });
  });

  r.get('/v1/segments/:id', read, async (req, res) => {
    const id = pathId(req, 'id');
    const run = await liveRunOr404(db);
    const segment = await segmentIn(db, run.runId, id);
    if (!segment) throw notFound(`no segment "${id}" in the published run`);
    res.json({ ...runInfo(run), segment });
  });

  r.get('/v1/segments/:id/members', read, async (req, res) => {
    const id = pathId(req, 'id');
    const q = parseQuery(pageQuery, req);
    const page = await pinnedPage(db, q.cursor, `segment:${id}`, ttlMs);
    const segment = await segmentIn(db, page.run.runId, id);
    if (!segment) throw notFound(`no segment "${id}" in run ${page.run.runId}`);
    const members = await segmentMembersAfter(db, page.run.runId, id, typeof page.after === 'string' ? page.after : null, q.limit + 1);
    const more = members.length > q.limit;
    const shown = members.slice(0, q.limit);
    const cursor = more ? page.next(shown[shown.length - 1]!.userId) : null;
    res.json({
      ...runInfo(page.run), segment, members: shown, cursor,
      next: cursor === null ? null : `/v1/segments/${encodeURIComponent(id)}/members?limit=${q.limit}&cursor=${cursor}`,
    });
  });

  r.get('/v1/customers/:id/lifecycle', read, async (req, res) => {
    const id = pathId(req, 'id');
    const run = await liveRunOr404(db);
    const lifecycle = await lifecycleIn(db, run.runId, id);
    if (!lifecycle) throw notFound(`no lifecycle for customer "${id}" in the published run`);
    const segment = lifecycle.segmentId === null ? null : await segmentIn(db, run.runId, lifecycle.segmentId);
    res.json({ ...runInfo(run), asOf: run.params.asOf ?? null, ...lifecycle, segment: segment ? { segmentId: segment.segmentId, label: segment.label } : null });
  });
  return r;
}

import type { Response, Router } from 'express';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { campaignIn, campaignRowsAfter, campaignsIn, liveSegmentsRun, type CampaignExportRow, type ServedCampaign } from '../../db/repositories/campaigns';
import { requireScope } from '../auth';
import { contractRouter } from '../openapi/contract';
import { campaignRoutes } from './campaign-contract';
import { csvLine } from '../csv';
import { notFound } from '../errors';
import { pathId } from '../params';
import { liveRunOr404, runInfo } from '../pinned-run';

/** Customers read per query while exporting: memory stays bounded by one page whatever the campaign's size. */
export const EXPORT_PAGE = 2000;

/** The export's header row: what an email tool maps onto its fields. */
export function exportHeader(c: ServedCampaign): string[] {
  const items = Array.from({ length: c.topN }, (_, i) => [`item_${i + 1}_id`, `item_${i + 1}_title`, `item_${i + 1}_reason`]).flat();
  return ['customer_id', ...c.attributeKeys, 'lifecycle_stage', 'segment_id', 'segment_label', 'probability', 'orders', 'total_spend', 'last_order_date', ...items];
}

/** One customer's export row, in header order. */
export function exportRow(c: ServedCampaign, r: CampaignExportRow): (string | number | null)[] {
  const items = Array.from({ length: c.topN }, (_, i) => {
    const it = r.items[i];
    return [it?.itemId ?? null, it?.title ?? null, it?.reasonText ?? null];
  }).flat();
  return [
    r.userId, ...c.attributeKeys.map((k) => r.attributes?.[k] ?? null), r.stage, r.segmentId, r.segmentLabel,
    r.probability === null ? null : Number(r.probability.toFixed(6)), r.orders, Number(r.spend.toFixed(2)), r.lastOrderAt?.slice(0, 10) ?? null, ...items,
  ];
}

/** Writes and waits for the socket to drain when it is full; false when the client went away. */
async function send(res: Response, chunk: string): Promise<boolean> {
  if (res.destroyed) return false;
  if (res.write(chunk)) return true;
  // Both listeners go once either fires: a long export waits thousands of times on one response.
  await new Promise<void>((resolve) => {
    const done = (): void => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
  return !res.destroyed;
}

/** Campaigns of the published segmentation run and their CSV export. */
export function campaignsRouter(config: Readonly<Config>, db: Db): Router {
  const r = contractRouter(campaignRoutes);
  const read = requireScope(config.API_KEYS, 'read');

  r.get('/v1/campaigns', read, async (_req, res) => {
    const run = await liveSegmentsRun(db);
    res.json(run ? { ...runInfo(run), campaigns: await campaignsIn(db, run.runId) } : { runId: null, campaigns: [] });
  });

  r.get('/v1/campaigns/:id', read, async (req, res) => {
    const id = pathId(req, 'id');
    const run = await liveRunOr404(db);
    const campaign = await campaignIn(db, run.runId, id);
    if (!campaign) throw notFound(`no campaign "${id}" in the published run`);
    res.json({ ...runInfo(run), campaign, export: `/v1/campaigns/${encodeURIComponent(id)}/export.csv` });
  });

  /**
   * The whole campaign as CSV, streamed page by page from the run that was live when the request came in (a run
   * published meanwhile does not mix in), waiting on the client when its socket is full.
   */
  r.get('/v1/campaigns/:id/export.csv', read, async (req, res) => {
    const id = pathId(req, 'id');
    const run = await liveRunOr404(db);
    const campaign = await campaignIn(db, run.runId, id);
    if (!campaign) throw notFound(`no campaign "${id}" in the published run`);
    res.status(200);
    res.setHeader('Content-Type', 'text/csv; charset=utf-8');
    res.setHeader('Content-Disposition', `attachment; filename="campaign-${id.replace(/[^A-Za-z0-9_-]/g, '_')}-run-${run.runId}.csv"`);
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Run-Id', String(run.runId));
    if (!(await send(res, csvLine(exportHeader(campaign))))) return;
    for (let after = 0; ;) {
      const rows = await campaignRowsAfter(db, run.runId, id, after, EXPORT_PAGE);
      if (rows.length === 0) break;
      let chunk = '';
      for (const row of rows) chunk += csvLine(exportRow(campaign, row));
      if (!(await send(res, chunk))) return;
      after = rows[rows.length - 1]!.position;
    }
    res.end();
  });
  return r;
}

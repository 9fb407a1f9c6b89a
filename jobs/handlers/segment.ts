import { liveSegmentation, loadCatalogue, publishedIntent, publishedScoresRun } from '../../db/repositories/campaign-inputs';
import { writeAudiences, writeLifecycle } from '../../db/repositories/campaign-writes';
import { createRun, failRun, findRunOfJob, publishRun, pruneRuns, writeSegments } from '../../db/repositories/runs';
import { selectBackend } from '../../ml/backend';
import { campaignRunOn } from '../../ml/campaign-run';
import type { Handler } from '../context';
import { extraExclusions, requireStore } from './store-input';
import { readSegmentStore } from './segment-store';
import { writeAllNewIn, writeCampaign } from './segment-campaigns';

/**
 * The segmentation run: behavioural segments (stable against the published run), lifecycle and churn warnings,
 * audiences, new-in picks and campaigns, all written under one new run id and published in one step.
 * It never holds all of a shop's events: every customer is reduced page by page to a snapshot, and the models
 * that learn from past windows are fitted on whole customer buckets up to SEGMENT_FIT_MAX_EVENTS rows.
 */
export const segment: Handler<'segment'> = async (payload, ctx) => {
  const started = Date.now();
  // A retry after the publish (the worker died before BullMQ heard back) reports that run instead of adding one.
  const owned = await findRunOfJob(ctx.db, ctx.jobId);
  if (owned?.status === 'published') return { runId: owned.runId, members: owned.users, alreadyPublished: true };
  // The churn model may train an MLP (tfjs): the backend must be chosen first in this thread.
  const backend = await selectBackend(ctx.config.ML_BACKEND);
  // Every customer from the training store, read bucket range by range (nothing cleaned again, no page kept).
  const store = await requireStore(ctx.db, 'segment');
  const c = ctx.config;
  const [items, previous, intent, scoresRunId] = await Promise.all([loadCatalogue(ctx.db), liveSegmentation(ctx.db), publishedIntent(ctx.db), publishedScoresRun(ctx.db)]);
  const { snap, fit, sample } = await readSegmentStore(ctx.db, store, {
    items, excluded: extraExclusions(store, c.EXCLUDED_ITEM_IDS), fitMaxRows: c.SEGMENT_FIT_MAX_EVENTS,
    progress: (n) => ctx.progress(5, { phase: 'reading the training store', rows: n, of: store.events + store.returns }),
  });
  if (sample.sampled) ctx.log(`models fitted on ${sample.customers} of ${sample.ofCustomers} customers (${sample.rows} of ${sample.ofRows} rows, SEGMENT_FIT_MAX_EVENTS ${sample.budget})`);
  const anchor = snap.anchor;
  const k = payload.segments ?? c.SEGMENT_COUNT;
  const run = await campaignRunOn(snap, fit, items, {
    k, previous: previous?.segmentOf, intent: intent?.probability, intentHorizonDays: intent?.horizonDays ?? c.INTENT_HORIZON_DAYS,
    rules: { newDays: c.LIFECYCLE_NEW_DAYS, lapsedDays: c.LIFECYCLE_LAPSED_DAYS, atRiskProbability: c.AT_RISK_PROBABILITY },
    audienceItems: [...c.AUDIENCE_ITEMS, ...(payload.audiences?.items ?? [])], audienceCategories: [...c.AUDIENCE_CATEGORIES, ...(payload.audiences?.categories ?? [])],
    audienceSize: c.AUDIENCE_SIZE, highIntentMinProbability: c.HIGH_INTENT_MIN_PROBABILITY, newInDays: c.NEW_IN_DAYS,
    progress: (phase) => ctx.progress(20, { phase }),
  });
  const seg = run.segmentation;
  const members = seg.segments.reduce((n, s) => n + s.userIds.length, 0);
  const params = {
    k, method: 'behavioural-kmeans', asOf: new Date(anchor - 1).toISOString(), previousRunId: previous?.runId ?? null,
    movedShare: seg.movedShare, matchedSegments: seg.matched, churnModel: run.notes.churn, fallbacks: run.notes.fallbacks,
    affinity: run.notes.affinity, newIn: run.notes.newIn, fitSample: sample, intentSource: intent ? `scores run ${intent.runId}` : 'churn model',
  };
  const runId = await createRun(ctx.db, 'segments', null, params, ctx.jobId);
  try {
    await ctx.progress(60, { phase: 'writing segments and lifecycle', runId });
    await writeSegments(ctx.db, runId, seg.segments.map((s) => ({ segmentId: s.segmentId, label: s.label, description: s.description, size: s.userIds.length, profile: { ...s.profile }, userIds: s.userIds })));
    await writeLifecycle(ctx.db, runId, run.lifecycle);
    await writeAudiences(ctx.db, runId, run.audiences);
    await ctx.progress(70, { phase: 'writing new-in picks', runId });
    const picks = await writeAllNewIn(ctx.db, runId, run, c.NEW_IN_PICKS);
    await ctx.progress(80, { phase: 'writing campaigns', runId });
    const campaigns: Record<string, number | string> = {};
    for (const campaign of c.CAMPAIGNS) {
      const size = await writeCampaign(ctx.db, runId, campaign, run, scoresRunId);
      campaigns[campaign.id] = size ?? `skipped: no ${campaign.audience !== undefined ? `audience "${campaign.audience}"` : `segment "${campaign.segment ?? ''}"`} in this run`;
    }
    await publishRun(ctx.db, 'segments', runId, members);
    await ctx.announcePublished?.('segments', runId);
    const prunedRuns = await pruneRuns(ctx.db, 'segments', c.RUNS_TO_KEEP, c.CURSOR_TTL_SECONDS * 1000);
    await ctx.progress(100);
    return {
      runId, members, movedShare: seg.movedShare, segments: seg.segments.map((s) => ({ id: s.segmentId, label: s.label, size: s.userIds.length })),
      lifecycle: Object.fromEntries(['new', 'active', 'at_risk', 'lapsed'].map((st) => [st, run.lifecycle.filter((r) => r.stage === st).length])),
      audiences: run.audiences.map((a) => ({ id: a.audienceId, size: a.members.length })), skippedAudiences: run.skipped,
      newInItems: run.newIn.items.length, newInPicks: picks, campaigns, prunedRuns, backend, fitSample: sample, seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    await failRun(ctx.db, runId);
    throw err;
  }
};

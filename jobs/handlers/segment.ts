import { loadUserFeatures } from '../../db/repositories/features';
import { createRun, failRun, publishRun, pruneRuns, writeSegments } from '../../db/repositories/runs';
import { segmentCustomers } from '../../ml/segments';
import type { Handler } from '../context';
import { require_ } from '../errors';

/** Groups customers into RFM segments with readable labels, written as a new run and published atomically. */
export const segment: Handler<'segment'> = async (payload, ctx) => {
  const features = await loadUserFeatures(ctx.db);
  require_(features.length > 0, 'no user features: run preprocess first');
  const k = payload.segments ?? ctx.config.SEGMENT_COUNT;
  await ctx.progress(20, { phase: 'clustering', users: features.length });
  const segments = segmentCustomers(features, k);
  const runId = await createRun(ctx.db, 'segments', null, { k, method: 'rfm-kmeans' });
  try {
    await ctx.progress(60, { phase: 'writing', runId });
    await writeSegments(
      ctx.db,
      runId,
      segments.map((s) => ({ segmentId: s.segmentId, label: s.label, description: s.description, size: s.userIds.length, profile: { ...s.profile }, userIds: s.userIds })),
    );
    const members = segments.reduce((n, s) => n + s.userIds.length, 0);
    await publishRun(ctx.db, 'segments', runId, members);
    await ctx.announcePublished?.('segments', runId);
    await pruneRuns(ctx.db, 'segments', ctx.config.RUNS_TO_KEEP);
    await ctx.progress(100);
    return { runId, members, segments: segments.map((s) => ({ id: s.segmentId, label: s.label, size: s.userIds.length })) };
  } catch (err) {
    await failRun(ctx.db, runId);
    throw err;
  }
};

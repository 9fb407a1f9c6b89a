import { WaitingChildrenError } from 'bullmq';
import { bucketStats, planShards, type BucketRange } from '../../db/events';
import { getActiveModel, loadArtifact } from '../../db/repositories/models';
import { createRun, failRun, findRunOfJob, finishedShards, publishRun, pruneRuns, type OwnedRun } from '../../db/repositories/runs';
import { jobIdFor } from '../catalogue';
import type { ChildControl, Handler, JobContext } from '../context';
import { require_ } from '../../config/errors';
import { requireStore } from './store-input';
import { CHAMPION_KIND } from './train';

/** What a scoring run was planned with (stored in the run's params, read back when the job runs again). */
interface Plan {
  k: number;
  shards: number;
  /** each shard's bucket range [lo, hi), in shard order */
  ranges?: BucketRange[];
  excludedItemIds: string[];
  plannedAt: number;
}

/** Publishes a run whose shards have all written their rows (or fails it, so a retry plans a fresh one). */
async function publish(run: { runId: number; modelVersion: number }, plan: Plan, ctx: JobContext): Promise<unknown> {
  const done = await finishedShards(ctx.db, run.runId);
  if (done.shards < plan.shards) {
    await failRun(ctx.db, run.runId);
    throw new Error(`scoring run ${run.runId}: ${done.shards} of ${plan.shards} shards finished; a retry plans a new run`);
  }
  await publishRun(ctx.db, 'scores', run.runId, done.users);
  await ctx.announcePublished?.('scores', run.runId);
  const pruned = await pruneRuns(ctx.db, 'scores', ctx.config.RUNS_TO_KEEP);
  await ctx.progress(100, { phase: 'published', users: done.users, shards: plan.shards });
  return {
    runId: run.runId, modelVersion: run.modelVersion, users: done.users, shards: plan.shards, k: plan.k,
    seconds: (Date.now() - plan.plannedAt) / 1000, prunedRuns: pruned,
  };
}

/**
 * Parks the job until its shards finish (throws WaitingChildrenError), or returns when they all have. A shard
 * that failed before the job could park makes BullMQ refuse to park it (UnrecoverableError): the run is
 * marked failed first. (A shard failing after it parked fails the job through failParentOnFailure.)
 */
async function waitForShards(runId: number, children: ChildControl, ctx: JobContext): Promise<void> {
  let parked: boolean;
  try {
    parked = await children.waitForChildren();
  } catch (err) {
    await failRun(ctx.db, runId);
    throw err;
  }
  if (parked) throw new WaitingChildrenError();
}

/** The job ran again after fanning out: wait for the rest of its shards, then publish (or report the publish). */
async function resume(run: OwnedRun, children: ChildControl, ctx: JobContext): Promise<unknown> {
  const plan = run.params as unknown as Plan;
  if (run.status === 'published') {
    // Published on an earlier attempt that failed after the commit: the announcement may be what was lost.
    await ctx.announcePublished?.('scores', run.runId);
    return { runId: run.runId, modelVersion: run.modelVersion, users: run.users, shards: plan.shards, k: plan.k, alreadyPublished: true };
  }
  await waitForShards(run.runId, children, ctx);
  return publish({ runId: run.runId, modelVersion: run.modelVersion ?? 0 }, plan, ctx);
}

/**
 * Scores every customer with the active model (or a named version) and publishes the run in one atomic step.
 * The training store's customer buckets are split into ranges of about SCORE_SHARD_USERS customers; each range
 * is a `score-shard` child job that reads only its index range of the store, and any scoring worker may take
 * it, so a run spreads over every machine consuming this queue at no extra reads. This job parks
 * until its shards finish, runs again, and publishes only when every shard has written its rows.
 */
export const scoreAllUsers: Handler<'score-all-users'> = async (payload, ctx) => {
  // Parking needs the worker's lock token, which every job run by a worker has.
  require_(ctx.children, 'score-all-users must run under a worker (it fans out into score-shard jobs)');
  const owned = await findRunOfJob(ctx.db, ctx.jobId);
  if (owned && (owned.status === 'running' || owned.status === 'published')) return resume(owned, ctx.children, ctx);

  const version = payload.modelVersion ?? (await getActiveModel(ctx.db, CHAMPION_KIND))?.version;
  require_(version !== undefined, 'no active model: run train first');
  require_((await loadArtifact(ctx.db, version)) !== null, `model version ${version} does not exist`);
  await requireStore(ctx.db, 'score-all-users');
  const stats = await bucketStats(ctx.db);
  const users = stats.reduce((n, s) => n + s.customers, 0);
  require_(users > 0, 'no customers to score');
  // Ranges of customer buckets with about SCORE_SHARD_USERS customers each: together they read the store once.
  const ranges = planShards(stats, ctx.config.SCORE_SHARD_USERS);
  const plan: Plan = {
    k: payload.k ?? ctx.config.TOP_K,
    shards: ranges.length,
    ranges,
    excludedItemIds: payload.excludedItemIds ?? ctx.config.EXCLUDED_ITEM_IDS,
    plannedAt: Date.now(),
  };
  const runId = await createRun(ctx.db, 'scores', version, { ...plan }, ctx.jobId);
  try {
    await ctx.children.add(ranges.map((r, shard) => ({
      name: 'score-shard' as const,
      data: { runId, modelVersion: version, k: plan.k, excludedItemIds: plan.excludedItemIds, shard, lo: r.lo, hi: r.hi },
      jobId: jobIdFor('score-shard', `${runId}-${shard}`),
    })));
  } catch (err) {
    await failRun(ctx.db, runId);
    throw err;
  }
  ctx.log(`run ${runId}: ${users} customers in ${plan.shards} shards (model v${version})`);
  await ctx.progress(5, { phase: 'scoring shards', shards: plan.shards, users });
  await waitForShards(runId, ctx.children, ctx);
  return publish({ runId, modelVersion: version }, plan, ctx);
};

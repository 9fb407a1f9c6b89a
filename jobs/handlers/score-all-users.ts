import { loadAllEvents } from '../../db/repositories/behaviour';
import { getActiveModel, loadArtifact } from '../../db/repositories/models';
import { createRun, failRun, publishRun, pruneRuns, writeScoreShard, type RecommendationRow } from '../../db/repositories/runs';
import { selectBackend } from '../../ml/backend';
import { cleanEvents, returnEvents } from '../../ml/clean';
import { deserializeModel, scoreUsers, type EventRecord } from '../../ml';
import type { Handler } from '../context';
import { require_ } from '../errors';
import { CHAMPION_KIND } from './train';

function groupByUser(events: readonly EventRecord[]): Map<string, EventRecord[]> {
  const byUser = new Map<string, EventRecord[]>();
  for (const e of events) {
    const list = byUser.get(e.userId);
    if (list) list.push(e);
    else byUser.set(e.userId, [e]);
  }
  return byUser;
}

/**
 * Scores every customer with the active model (or a named version): top-K for-you and discover lists plus
 * intent, written shard by shard into a new run, then published in one atomic step.
 */
export const scoreAllUsers: Handler<'score-all-users'> = async (payload, ctx) => {
  const backend = await selectBackend(ctx.config.ML_BACKEND);
  const version = payload.modelVersion ?? (await getActiveModel(ctx.db, CHAMPION_KIND))?.version;
  require_(version !== undefined, 'no active model: run train first');
  const artifact = await loadArtifact(ctx.db, version);
  require_(artifact !== null, `model version ${version} does not exist`);
  const model = deserializeModel(artifact);
  const k = payload.k ?? ctx.config.TOP_K;
  const raw = await loadAllEvents(ctx.db, (n) => ctx.progress(2, { phase: 'loading events', loaded: n }));
  const excluded = { excludedItemIds: payload.excludedItemIds ?? ctx.config.EXCLUDED_ITEM_IDS };
  // Each shard gets only its users' histories: scanning every event once per shard would grow with shards × events.
  const byUser = groupByUser(cleanEvents(raw, excluded));
  const returnsByUser = groupByUser(returnEvents(raw, excluded));
  const userIds = [...byUser.keys()].sort();
  require_(userIds.length > 0, 'no customers to score');

  const runId = await createRun(ctx.db, 'scores', version, { k, backend });
  const shard = ctx.config.SCORE_SHARD_USERS;
  const started = Date.now();
  try {
    for (let i = 0; i < userIds.length; i += shard) {
      const ids = userIds.slice(i, i + shard);
      const scored = scoreUsers(model, ids.flatMap((u) => byUser.get(u) ?? []), ids, { k, returns: ids.flatMap((u) => returnsByUser.get(u) ?? []) });
      const recs: RecommendationRow[] = scored.flatMap((u) => [
        ...u.forYou.map((r, rank) => ({ userId: u.userId, list: 'for-you' as const, rank: rank + 1, ...r })),
        ...u.discover.map((r, rank) => ({ userId: u.userId, list: 'discover' as const, rank: rank + 1, ...r })),
      ]);
      // The horizon is the one the model was trained for, not today's config.
      await writeScoreShard(ctx.db, runId, ids, recs, scored.map((u) => ({ userId: u.userId, probability: u.intent, horizonDays: model.horizonDays })));
      const done = i + ids.length;
      await ctx.progress(5 + (90 * done) / userIds.length, { phase: 'scoring', users: done, of: userIds.length, usersPerSecond: Math.round(done / ((Date.now() - started) / 1000 || 1)) });
    }
    await publishRun(ctx.db, 'scores', runId, userIds.length);
    const pruned = await pruneRuns(ctx.db, 'scores', ctx.config.RUNS_TO_KEEP);
    await ctx.progress(100);
    return { runId, modelVersion: version, users: userIds.length, k, backend, seconds: (Date.now() - started) / 1000, prunedRuns: pruned };
  } catch (err) {
    await failRun(ctx.db, runId);
    throw err;
  }
};

import { loadAllEvents } from '../../db/repositories/behaviour';
import { loadArtifact } from '../../db/repositories/models';
import { writeScoreShard, type RecommendationRow } from '../../db/repositories/runs';
import { selectBackend } from '../../ml/backend';
import { cleanEvents, returnEvents } from '../../ml/clean';
import { deserializeModel, scoreUsers, type EventRecord } from '../../ml';
import { runItems } from '../../ml/run-items';
import type { Handler } from '../context';
import { BadInputError, require_ } from '../../config/errors';

/** Customers scored between two progress reports (Bull Board shows users and users per second). */
const PROGRESS_SLICE = 500;

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
 * One shard of a scoring run, enqueued by score-all-users as its child: scores one bucket of customers
 * (CRC32(user_id) mod `of`) with the run's pinned model version and writes their lists and intent into the
 * run, recording the shard as done in the same transaction. Idempotent: a retry rewrites the same rows.
 * Shard 0 also writes what does not depend on customers (similar items, cold-start lists).
 */
export const scoreShard: Handler<'score-shard'> = async (p, ctx) => {
  const started = Date.now();
  const backend = await selectBackend(ctx.config.ML_BACKEND);
  const artifact = await loadArtifact(ctx.db, p.modelVersion);
  require_(artifact !== null, `model version ${p.modelVersion} does not exist`);
  let model: ReturnType<typeof deserializeModel>;
  try {
    model = deserializeModel(artifact);
  } catch (err) {
    // A corrupt or foreign artefact stays corrupt: fail once, naming the version, instead of retrying.
    throw new BadInputError(`model version ${p.modelVersion} is unreadable: ${err instanceof Error ? err.message : String(err)}`);
  }
  const raw = await loadAllEvents(ctx.db, (n) => ctx.progress(2, { phase: 'loading events', loaded: n }), 100_000, { index: p.shard, of: p.of });
  const excluded = { excludedItemIds: p.excludedItemIds };
  const byUser = groupByUser(cleanEvents(raw, excluded));
  const returnsByUser = groupByUser(returnEvents(raw, excluded));
  const userIds = [...byUser.keys()].sort();
  const recs: RecommendationRow[] = [];
  const intent: { userId: string; probability: number; horizonDays: number }[] = [];
  for (let i = 0; i < userIds.length; i += PROGRESS_SLICE) {
    const ids = userIds.slice(i, i + PROGRESS_SLICE);
    const scored = scoreUsers(model, ids.flatMap((u) => byUser.get(u) ?? []), ids, { k: p.k, returns: ids.flatMap((u) => returnsByUser.get(u) ?? []) });
    for (const u of scored) {
      u.forYou.forEach((r, rank) => recs.push({ userId: u.userId, list: 'for-you', rank: rank + 1, ...r }));
      u.discover.forEach((r, rank) => recs.push({ userId: u.userId, list: 'discover', rank: rank + 1, ...r }));
      // The horizon is the one the model was trained for, not today's config.
      intent.push({ userId: u.userId, probability: u.intent, horizonDays: model.horizonDays });
    }
    const done = i + ids.length;
    await ctx.progress(5 + (85 * done) / userIds.length, { phase: 'scoring', users: done, of: userIds.length, usersPerSecond: Math.round(done / ((Date.now() - started) / 1000 || 1)) });
  }
  // The first shard also writes the run's item-level outputs (similar items, cold-start lists), in its transaction.
  const items = p.shard === 0 ? runItems(model, p.k) : undefined;
  await writeScoreShard(ctx.db, p.runId, userIds, recs, intent, p.shard, items);
  await ctx.progress(100);
  return { shard: p.shard, users: userIds.length, backend, seconds: (Date.now() - started) / 1000 };
};

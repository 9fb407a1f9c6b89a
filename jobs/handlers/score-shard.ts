import { bucketStats, readStorePages, type StorePage } from '../../db/events';
import { finishScoreShard, writeScorePage, type RecommendationRow } from '../../db/repositories/runs';
import { selectBackend } from '../../ml/backend';
import { listScores, modelScores, type ChampionModel, type EventRecord } from '../../ml';
import { runItems } from '../../ml/run-items';
import type { Handler } from '../context';
import { scoringModel } from './scoring-model';
import { extraExclusions, requireStore, withoutItems } from './store-input';

/** Customers handed to the model at once (its per-call set-up is amortised; memory stays small). */
const SCORE_SLICE = 500;
/** Store rows per page: a page of complete customers is read, scored and written before the next one. */
const PAGE_ROWS = 50_000;

function groupByUser(events: readonly EventRecord[]): Map<string, EventRecord[]> {
  const byUser = new Map<string, EventRecord[]>();
  for (const e of events) {
    const list = byUser.get(e.userId);
    if (list) list.push(e);
    else byUser.set(e.userId, [e]);
  }
  return byUser;
}

/** Seconds a shard spent in the model (grouping, snapshot, features, ranker, intent) and in cutting the top-K lists. */
interface ScoreSeconds {
  model: number;
  topk: number;
}

/**
 * Lists and intent of one page's customers, as rows. The clock is read once per phase of each slice of
 * SCORE_SLICE customers (not per customer), so timing costs nothing next to the work.
 */
function scorePage(model: ChampionModel, page: StorePage, k: number, excluded: Set<string> | null, seconds: ScoreSeconds) {
  let t = performance.now();
  const byUser = groupByUser(withoutItems(page.events, excluded));
  const returnsByUser = groupByUser(withoutItems(page.returns, excluded));
  const recs: RecommendationRow[] = [];
  const intent: { userId: string; probability: number; horizonDays: number }[] = [];
  for (let i = 0; i < page.userIds.length; i += SCORE_SLICE) {
    const ids = page.userIds.slice(i, i + SCORE_SLICE);
    const opts = { k, returns: ids.flatMap((u) => returnsByUser.get(u) ?? []) };
    const modelled = modelScores(model, ids.flatMap((u) => byUser.get(u) ?? []), ids, opts);
    const t1 = performance.now();
    seconds.model += (t1 - t) / 1000;
    for (const u of listScores(model, modelled, ids, opts)) {
      u.forYou.forEach((r, rank) => recs.push({ userId: u.userId, list: 'for-you', rank: rank + 1, ...r }));
      u.discover.forEach((r, rank) => recs.push({ userId: u.userId, list: 'discover', rank: rank + 1, ...r }));
      // The horizon is the one the model was trained for, not today's config.
      intent.push({ userId: u.userId, probability: u.intent, horizonDays: model.horizonDays });
    }
    t = performance.now();
    seconds.topk += (t - t1) / 1000;
  }
  return { recs, intent };
}

/**
 * One shard of a scoring run, enqueued by score-all-users as its child: scores the customers of one range of
 * store buckets [lo, hi) with the run's pinned model version. It reads only that range of the training store
 * (an index range), page by page, and writes each page's lists and intent before reading on, so its memory is
 * one page and the model, whatever the shard's size. The shard records itself done only after its last page;
 * the run publishes only when every shard did. Idempotent: a retry rewrites the same customers' rows. Shard 0
 * also writes what does not depend on customers (similar items, cold-start lists).
 */
export const scoreShard: Handler<'score-shard'> = async (p, ctx) => {
  const started = Date.now();
  const backend = await selectBackend(ctx.config.ML_BACKEND);
  const model = await scoringModel(ctx.db, p.modelVersion);
  const store = await requireStore(ctx.db, 'score-shard');
  const excluded = extraExclusions(store, p.excludedItemIds);
  const range = { lo: p.lo, hi: p.hi };
  const expected = (await bucketStats(ctx.db)).reduce((n, s) => n + (s.bucket >= p.lo && s.bucket < p.hi ? s.customers : 0), 0);
  // Where the time goes (the scale bench sums these over shards): reading, the model, top-K lists, writing.
  const seconds = { read: 0, write: 0 };
  const scoring: ScoreSeconds = { model: 0, topk: 0 };
  let users = 0;
  let rows = 0;
  const pages = readStorePages(ctx.db, range, PAGE_ROWS);
  let t = Date.now();
  let next = pages.next();
  for (;;) {
    const r = await next;
    seconds.read += (Date.now() - t) / 1000;
    if (r.done) break;
    const page = r.value;
    // The next page's query runs on the server while this one is scored (its failure surfaces at the await above).
    next = pages.next();
    next.catch(() => undefined);
    const out = scorePage(model, page, p.k, excluded, scoring);
    t = Date.now();
    await writeScorePage(ctx.db, p.runId, page.userIds, out.recs, out.intent);
    seconds.write += (Date.now() - t) / 1000;
    users += page.userIds.length;
    rows += out.recs.length + out.intent.length;
    await ctx.progress(5 + (90 * users) / Math.max(1, expected), {
      phase: 'scoring', users, of: expected, usersPerSecond: Math.round(users / ((Date.now() - started) / 1000 || 1)),
    });
    t = Date.now();
  }
  // The first shard also writes the run's item-level outputs (similar items, cold-start lists), with its record.
  t = Date.now();
  await finishScoreShard(ctx.db, p.runId, p.shard, users, p.shard === 0 ? runItems(model, p.k) : undefined);
  seconds.write += (Date.now() - t) / 1000;
  await ctx.progress(100);
  return {
    shard: p.shard, lo: p.lo, hi: p.hi, users, rows, backend, seconds: (Date.now() - started) / 1000,
    readSeconds: seconds.read, modelSeconds: scoring.model, topkSeconds: scoring.topk,
    scoreSeconds: scoring.model + scoring.topk, writeSeconds: seconds.write,
  };
};

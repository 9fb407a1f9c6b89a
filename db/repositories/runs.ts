import type { Knex } from 'knex';
import type { Db } from '../knex';
import { loadIntent, loadRecommendations, type IntentRow, type RecommendationRow } from './score-load';
import { fromSqlTime, insertChunked, toSqlTime, whereCustomerKeys, withTransaction } from './sql-util';

export type RunKind = 'scores' | 'segments';

export type { IntentRow, RecommendationRow } from './score-load';

/** A run's item-level outputs, written once per run (by its first shard). */
export interface RunItemRows {
  similar: { itemId: string; rank: number; similarItemId: string; score: number; reason: string }[];
  /** named item lists: cold-start:for-you, cold-start:discover, popular */
  lists: { list: string; rank: number; itemId: string; score: number; reason: string }[];
  coldStartIntent: number;
  /** whether the run's intent scores come from a learned model or a rule (degenerate label) */
  intentKind: 'model' | 'rule';
}

export interface SegmentRow {
  segmentId: string;
  label: string;
  description: string;
  size: number;
  profile: Record<string, unknown>;
  userIds: string[];
}

/** Opens a run (owned by a BullMQ job, if given); its rows stay invisible to readers until publishRun flips the pointer. */
export async function createRun(
  db: Db, kind: RunKind, modelVersion: number | null, params: Record<string, unknown>, jobId?: string,
): Promise<number> {
  const [id] = await db('score_runs').insert({
    kind, model_version: modelVersion, status: 'running', params: JSON.stringify(params), started_at: toSqlTime(Date.now()), job_id: jobId ?? null,
  });
  return Number(id);
}

/** A run as its owning job sees it when it runs again. */
export interface OwnedRun {
  runId: number;
  status: 'running' | 'published' | 'failed' | 'pruned';
  modelVersion: number | null;
  users: number;
  params: Record<string, unknown>;
}

/** The newest run a job opened, or null. */
export async function findRunOfJob(db: Db, jobId: string): Promise<OwnedRun | null> {
  const row = (await db('score_runs').select('run_id', 'status', 'model_version', 'users', 'params').where({ job_id: jobId }).orderBy('run_id', 'desc').first()) as
    | { run_id: number; status: OwnedRun['status']; model_version: number | null; users: number; params: string | Record<string, unknown> }
    | undefined;
  if (!row) return null;
  const params = typeof row.params === 'string' ? (JSON.parse(row.params) as Record<string, unknown>) : row.params;
  return { runId: row.run_id, status: row.status, modelVersion: row.model_version, users: row.users, params };
}

/** Shards of a run that have written their rows, and the users they scored. */
export async function finishedShards(db: Db, runId: number): Promise<{ shards: number; users: number }> {
  const row = (await db('score_run_shards').where({ run_id: runId }).count({ shards: '*' }).sum({ users: 'users' }).first()) as
    | { shards: number | string; users: number | string | null }
    | undefined;
  return { shards: Number(row?.shards ?? 0), users: Number(row?.users ?? 0) };
}

/**
 * Replaces these customers' rows of a run (delete, then insert): writing the same customers again is safe. The
 * delete runs only where a row is there (a retry): a DELETE over ids that are not there still takes gap locks,
 * and shards writing interleaved ids at once then deadlock on each other's inserts. The check is a plain
 * (non-locking) read.
 */
async function replaceUserScores(trx: Knex.Transaction, runId: number, userIds: readonly string[], recs: readonly RecommendationRow[], intent: readonly IntentRow[]): Promise<void> {
  for (let i = 0; i < userIds.length; i += 1000) {
    const ids = userIds.slice(i, i + 1000);
    const recs = (): Knex.QueryBuilder => whereCustomerKeys(trx('recommendations').where({ run_id: runId }), ids);
    const intent = (): Knex.QueryBuilder => trx('user_intent').where({ run_id: runId }).whereIn('user_id', ids);
    for (const rows of [recs, intent]) {
      const there = (await rows().first('user_id')) as unknown;
      if (there !== undefined) await rows().delete();
    }
  }
  await loadRecommendations(trx, runId, recs);
  await loadIntent(trx, runId, intent);
}

/** Records a shard as done (and, with `items`, rewrites the run's item-level outputs) inside `trx`. */
async function recordShard(trx: Knex.Transaction, runId: number, shard: number, users: number, items?: RunItemRows): Promise<void> {
  if (items) {
    await trx('similar_items').where({ run_id: runId }).delete();
    await trx('run_item_lists').where({ run_id: runId }).delete();
    await trx('score_runs').where({ run_id: runId }).update({ cold_start_intent: items.coldStartIntent, intent_kind: items.intentKind });
    await insertChunked(trx, 'similar_items', items.similar.map((r) => ({
      run_id: runId, item_id: r.itemId, rank: r.rank, similar_item_id: r.similarItemId, score: r.score, reason: r.reason,
    })), 5000);
    await insertChunked(trx, 'run_item_lists', items.lists.map((r) => ({ run_id: runId, list: r.list, rank: r.rank, item_id: r.itemId, score: r.score, reason: r.reason })), 5000);
  }
  await trx('score_run_shards').where({ run_id: runId, shard }).delete();
  await trx('score_run_shards').insert({ run_id: runId, shard, users, finished_at: toSqlTime(Date.now()) });
}

/**
 * Writes one shard of recommendations and intent scores for a run at once. Re-writing a shard replaces it (retries
 * are safe). With `shard`, the shard's completion is recorded in the same transaction as its rows; with `items`,
 * the run's item-level outputs are (re)written in that transaction too, so they are there when the run publishes.
 */
export async function writeScoreShard(
  db: Db, runId: number, userIds: string[], recs: RecommendationRow[], intent: IntentRow[], shard?: number, items?: RunItemRows,
): Promise<void> {
  await withTransaction(db, async (trx) => {
    if (shard !== undefined) await recordShard(trx, runId, shard, userIds.length, items);
    await replaceUserScores(trx, runId, userIds, recs, intent);
  });
}

/**
 * Writes one page of a shard's customers (one transaction). A shard writes page after page, so it never holds
 * all of its customers' rows; a retried shard rewrites the same customers' rows. The rows stay invisible until the
 * run publishes, which it does only after every shard recorded itself done ({@link finishScoreShard}).
 */
export async function writeScorePage(db: Db, runId: number, userIds: readonly string[], recs: readonly RecommendationRow[], intent: readonly IntentRow[]): Promise<void> {
  await withTransaction(db, (trx) => replaceUserScores(trx, runId, userIds, recs, intent));
}

/** Records a shard whose pages are all written as done (with the run's item-level outputs, from its first shard). */
export async function finishScoreShard(db: Db, runId: number, shard: number, users: number, items?: RunItemRows): Promise<void> {
  await withTransaction(db, (trx) => recordShard(trx, runId, shard, users, items));
}

/** Writes a segmentation run's segments and members. */
export async function writeSegments(db: Db, runId: number, segments: SegmentRow[]): Promise<void> {
  await withTransaction(db, async (trx) => {
    await trx('segment_members').where({ run_id: runId }).delete();
    await trx('segments').where({ run_id: runId }).delete();
    await insertChunked(
      trx,
      'segments',
      segments.map((s) => ({ run_id: runId, segment_id: s.segmentId, label: s.label, description: s.description, size: s.size, profile: JSON.stringify(s.profile) })),
    );
    await insertChunked(
      trx,
      'segment_members',
      segments.flatMap((s) => s.userIds.map((u) => ({ run_id: runId, segment_id: s.segmentId, user_id: u }))),
      5000,
    );
  });
}

/**
 * The atomic publish: marks the run complete and flips the kind's pointer in one transaction. Readers join
 * through the pointer, so they see the whole previous run or the whole new one.
 */
export async function publishRun(db: Db, kind: RunKind, runId: number, users: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    const prev = (await trx('published_runs').select('run_id').where({ kind }).forUpdate().first()) as { run_id: number } | undefined;
    const now = toSqlTime(Date.now());
    await trx('score_runs').where({ run_id: runId }).update({ status: 'published', users, finished_at: now });
    if (prev) await trx('published_runs').where({ kind }).update({ run_id: runId, previous_run_id: prev.run_id, published_at: now });
    else await trx('published_runs').insert({ kind, run_id: runId, previous_run_id: null, published_at: now });
  });
}

/** Marks a run failed (its rows are pruned later; readers never saw them). */
export async function failRun(db: Db, runId: number): Promise<void> {
  await db('score_runs').where({ run_id: runId }).update({ status: 'failed', finished_at: toSqlTime(Date.now()) });
}

/** Every table holding a run's rows, by run kind (segmentation runs carry the campaign outputs too). */
const RUN_TABLES: Record<RunKind, string[]> = {
  scores: ['recommendations', 'user_intent', 'similar_items', 'run_item_lists', 'score_run_shards'],
  segments: ['segment_members', 'segments', 'customer_lifecycle', 'audience_members', 'audiences', 'new_in_picks', 'campaign_items', 'campaign_members', 'campaigns'],
};

/**
 * Deletes rows of all but the newest `keep` published runs of a kind (and of failed runs); the live one is never
 * touched. A superseded run is also kept until `graceMs` after the run that replaced it was published: page
 * cursors pinned to it stay valid that long (CURSOR_TTL_SECONDS).
 */
export async function pruneRuns(db: Db, kind: RunKind, keep: number, graceMs = 0): Promise<number[]> {
  const live = (await db('published_runs').select('run_id', 'previous_run_id').where({ kind }).first()) as { run_id: number; previous_run_id: number | null } | undefined;
  const protectedIds = new Set([live?.run_id, live?.previous_run_id].filter((x): x is number => typeof x === 'number'));
  const newestFirst = (await db('score_runs').select('run_id', 'finished_at').where({ kind, status: 'published' }).orderBy('run_id', 'desc')) as { run_id: number; finished_at: string }[];
  // Run i stopped being live when run i − 1 (the next newer one) was published.
  const published = newestFirst.filter((_r, i) => i >= keep && (graceMs <= 0 || i === 0 || fromSqlTime(newestFirst[i - 1]!.finished_at) < Date.now() - graceMs));
  // Failed runs, and runs still "running" two days after they started (their job failed for good).
  const abandoned = toSqlTime(Date.now() - 2 * 86_400_000);
  const failed: { run_id: number }[] = await db('score_runs').select('run_id').where({ kind })
    .whereRaw("(status = 'failed' OR (status = 'running' AND started_at < ?))", [abandoned]);
  const doomed = [...published, ...failed].map((r) => r.run_id).filter((id) => !protectedIds.has(id));
  for (const id of doomed) {
    // Chunked deletes keep each statement's lock footprint small on big runs.
    for (const table of RUN_TABLES[kind]) {
      while ((await db(table).where({ run_id: id }).limit(50_000).delete()) > 0);
    }
    await db('score_runs').where({ run_id: id }).update({ status: 'pruned' });
  }
  return doomed;
}

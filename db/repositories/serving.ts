import type { Db } from '../knex';
import { fromSqlTime } from './sql-util';

/** Read side for the API: only published runs, reached through the `published_runs` pointer. */

export interface PublishedRun {
  runId: number;
  modelVersion: number | null;
  publishedAt: string;
}

export interface ServedRecommendation {
  rank: number;
  itemId: string;
  title: string | null;
  score: number;
  reason: string;
  reasonItemId: string | null;
}

async function publishedRun(db: Db, kind: 'scores' | 'segments'): Promise<PublishedRun | null> {
  const row = (await db('published_runs as p')
    .join('score_runs as r', 'r.run_id', 'p.run_id')
    .select('p.run_id', 'r.model_version', 'p.published_at')
    .where('p.kind', kind)
    .first()) as { run_id: number; model_version: number | null; published_at: string } | undefined;
  return row ? { runId: row.run_id, modelVersion: row.model_version, publishedAt: new Date(fromSqlTime(row.published_at)).toISOString() } : null;
}

/** A user's published list with its run and model version, or null when nothing is published for them. */
export async function getRecommendations(db: Db, userId: string, list: 'for-you' | 'discover', limit: number): Promise<{ run: PublishedRun; items: ServedRecommendation[] } | null> {
  const run = await publishedRun(db, 'scores');
  if (!run) return null;
  const rows = (await db('recommendations as r')
    .leftJoin('items as i', 'i.item_id', 'r.item_id')
    .select('r.rank', 'r.item_id', 'i.title', 'r.score', 'r.reason', 'r.reason_item_id')
    .where({ 'r.run_id': run.runId, 'r.user_id': userId, 'r.list': list })
    .orderBy('r.rank')
    .limit(limit)) as { rank: number; item_id: string; title: string | null; score: number; reason: string; reason_item_id: string | null }[];
  if (rows.length === 0) return null;
  return { run, items: rows.map((r) => ({ rank: r.rank, itemId: r.item_id, title: r.title, score: r.score, reason: r.reason, reasonItemId: r.reason_item_id })) };
}

/** A user's published purchase-intent probability, or null. */
export async function getIntent(db: Db, userId: string): Promise<{ run: PublishedRun; probability: number; horizonDays: number } | null> {
  const run = await publishedRun(db, 'scores');
  if (!run) return null;
  const row = (await db('user_intent').select('probability', 'horizon_days').where({ run_id: run.runId, user_id: userId }).first()) as { probability: number; horizon_days: number } | undefined;
  return row ? { run, probability: row.probability, horizonDays: row.horizon_days } : null;
}

/** True when MySQL answers (readiness). */
export async function ping(db: Db): Promise<void> {
  await db.raw('SELECT 1');
}

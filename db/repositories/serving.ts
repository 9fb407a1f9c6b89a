import type { Db } from '../knex';
import { fromSqlTime, whereCustomerKeys } from './sql-util';

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

/** The published scoring run, with what it serves to customers it has never seen. */
export interface PublishedScores extends PublishedRun {
  coldStartIntent: number | null;
  /** `rule` when the run's intent scores are a rule, not a learned model (null: a run from before this was recorded) */
  intentKind: 'model' | 'rule' | null;
}

/** The live scoring run (one indexed row: the cache in front of these reads checks it, not every request). */
export async function publishedScores(db: Db): Promise<PublishedScores | null> {
  const row = (await db('published_runs as p')
    .join('score_runs as r', 'r.run_id', 'p.run_id')
    .select('p.run_id', 'r.model_version', 'p.published_at', 'r.cold_start_intent', 'r.intent_kind')
    .where('p.kind', 'scores')
    .first()) as { run_id: number; model_version: number | null; published_at: string; cold_start_intent: number | null; intent_kind: 'model' | 'rule' | null } | undefined;
  return row
    ? { runId: row.run_id, modelVersion: row.model_version, publishedAt: new Date(fromSqlTime(row.published_at)).toISOString(), coldStartIntent: row.cold_start_intent, intentKind: row.intent_kind }
    : null;
}

/** A served item with the category path it is filtered by (null when the catalogue has none). */
export interface ListedItem extends ServedRecommendation {
  category: string | null;
}

type ListRow = { user_id?: string; rank: number; item_id: string; title: string | null; category: string | null; score: number; reason: string; reason_item_id?: string | null };

const listed = (r: ListRow): ListedItem => ({
  rank: r.rank, itemId: r.item_id, title: r.title, category: r.category, score: r.score, reason: r.reason, reasonItemId: r.reason_item_id ?? null,
});

/** Whole published lists of several customers of a run (one query); customers without a list are absent. */
export async function listsOfUsers(db: Db, runId: number, userIds: readonly string[], list: 'for-you' | 'discover'): Promise<Map<string, ListedItem[]>> {
  const out = new Map<string, ListedItem[]>();
  if (userIds.length === 0) return out;
  const rows = (await db('recommendations as r')
    .leftJoin('items as i', 'i.item_id', 'r.item_id')
    .select('r.user_id', 'r.rank', 'r.item_id', 'i.title', 'i.category', 'r.score', 'r.reason', 'r.reason_item_id')
    .where({ 'r.run_id': runId, 'r.list': list })
    .modify((q) => {
      whereCustomerKeys(q, userIds, 'r.');
    })
    .orderBy([{ column: 'r.user_id' }, { column: 'r.rank' }])) as ListRow[];
  for (const r of rows) {
    const items = out.get(r.user_id!) ?? [];
    items.push(listed(r));
    out.set(r.user_id!, items);
  }
  return out;
}

/** One of a run's item lists (`cold-start:for-you`, `cold-start:discover`), in rank order. */
export async function runItemList(db: Db, runId: number, list: string, limit = 1000): Promise<ListedItem[]> {
  const rows = (await db('run_item_lists as l')
    .leftJoin('items as i', 'i.item_id', 'l.item_id')
    .select('l.rank', 'l.item_id', 'i.title', 'i.category', 'l.score', 'l.reason')
    .where({ 'l.run_id': runId, 'l.list': list })
    .orderBy('l.rank')
    .limit(limit)) as ListRow[];
  return rows.map(listed);
}

/** Escapes LIKE's wildcards so a category name is matched literally. */
const likeLiteral = (s: string): string => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/** The run's most popular items in a category (the path itself or anything under it: "Home" covers "Home > Mugs"). */
export async function popularInCategory(db: Db, runId: number, category: string, limit: number): Promise<ListedItem[]> {
  const rows = (await db('run_item_lists as l')
    .join('items as i', 'i.item_id', 'l.item_id')
    .select('l.rank', 'l.item_id', 'i.title', 'i.category', 'l.score', 'l.reason')
    .where({ 'l.run_id': runId, 'l.list': 'popular' })
    .andWhere((q) => void q.where('i.category', category).orWhere('i.category', 'like', `${likeLiteral(category)} > %`))
    .orderBy('l.rank')
    .limit(limit)) as ListRow[];
  return rows.map(listed);
}

/** An item page's similar items in the run, or null when the catalogue does not know the item. */
export async function similarItemsOf(db: Db, runId: number, itemId: string): Promise<ListedItem[] | null> {
  const rows = (await db('similar_items as s')
    .leftJoin('items as i', 'i.item_id', 's.similar_item_id')
    .select('s.rank', { item_id: 's.similar_item_id' }, 'i.title', 'i.category', 's.score', 's.reason', { reason_item_id: 's.item_id' })
    .where({ 's.run_id': runId, 's.item_id': itemId })
    .orderBy('s.rank')) as ListRow[];
  if (rows.length > 0) return rows.map(listed);
  const known = (await db('items').select('item_id').where({ item_id: itemId }).first()) as { item_id: string } | undefined;
  return known ? [] : null;
}

/** Purchase-intent scores of several customers of a run (customers the run did not score are absent). */
export async function intentOfUsers(db: Db, runId: number, userIds: readonly string[]): Promise<Map<string, { probability: number; horizonDays: number }>> {
  const out = new Map<string, { probability: number; horizonDays: number }>();
  if (userIds.length === 0) return out;
  const rows = (await db('user_intent').select('user_id', 'probability', 'horizon_days').where({ run_id: runId }).whereIn('user_id', userIds)) as {
    user_id: string; probability: number; horizon_days: number;
  }[];
  for (const r of rows) out.set(r.user_id, { probability: r.probability, horizonDays: r.horizon_days });
  return out;
}

/** True when MySQL answers (readiness). */
export async function ping(db: Db): Promise<void> {
  await db.raw('SELECT 1');
}

import type { Db } from '../knex';
import { whereCustomerKeys } from './sql-util';

/** What the `segment` job reads besides events: the catalogue, the published runs it builds on, user attributes. */

export interface CatalogueRow {
  itemId: string;
  title: string | null;
  category: string | null;
  price: number | null;
  inStock: boolean;
}

/** Every item row (id, title, category, price, stock), paged by id. */
export async function loadCatalogue(db: Db, page = 50_000): Promise<CatalogueRow[]> {
  const out: CatalogueRow[] = [];
  let after = '';
  for (;;) {
    const rows = (await db('items').select('item_id', 'title', 'category', 'price', 'in_stock').where('item_id', '>', after).orderBy('item_id').limit(page)) as {
      item_id: string; title: string | null; category: string | null; price: string | number | null; in_stock: number | boolean;
    }[];
    for (const r of rows) out.push({ itemId: r.item_id, title: r.title, category: r.category, price: r.price === null ? null : Number(r.price), inStock: Boolean(r.in_stock) });
    if (rows.length < page) return out;
    after = rows[rows.length - 1]!.item_id;
  }
}

/** The published run of a kind (id only), or null. */
async function liveRunId(db: Db, kind: 'scores' | 'segments'): Promise<number | null> {
  const row = (await db('published_runs').select('run_id').where({ kind }).first()) as { run_id: number } | undefined;
  return row?.run_id ?? null;
}

/** The published segmentation: its run id and every customer's segment id (what tonight's run stays stable against). */
export async function liveSegmentation(db: Db, page = 100_000): Promise<{ runId: number; segmentOf: Map<string, string> } | null> {
  const runId = await liveRunId(db, 'segments');
  if (runId === null) return null;
  const segmentOf = new Map<string, string>();
  let after: [string, string] = ['', ''];
  for (;;) {
    const rows = (await db('segment_members').select('segment_id', 'user_id').where({ run_id: runId })
      .andWhereRaw('(segment_id, user_id) > (?, ?)', after).orderBy(['segment_id', 'user_id']).limit(page)) as { segment_id: string; user_id: string }[];
    for (const r of rows) segmentOf.set(r.user_id, r.segment_id);
    if (rows.length < page) return { runId, segmentOf };
    const last = rows[rows.length - 1]!;
    after = [last.segment_id, last.user_id];
  }
}

/** The published scoring run's intent probabilities per customer, its horizon and run id; null when nothing is published. */
export async function publishedIntent(db: Db, page = 100_000): Promise<{ runId: number; horizonDays: number; probability: Map<string, number> } | null> {
  const runId = await liveRunId(db, 'scores');
  if (runId === null) return null;
  const probability = new Map<string, number>();
  let horizonDays = 0;
  let after = '';
  for (;;) {
    const rows = (await db('user_intent').select('user_id', 'probability', 'horizon_days').where({ run_id: runId }).andWhere('user_id', '>', after).orderBy('user_id').limit(page)) as {
      user_id: string; probability: number; horizon_days: number;
    }[];
    for (const r of rows) probability.set(r.user_id, r.probability);
    horizonDays ||= rows[0]?.horizon_days ?? 0;
    if (rows.length < page) return probability.size > 0 ? { runId, horizonDays, probability } : null;
    after = rows[rows.length - 1]!.user_id;
  }
}

export interface ListedItem {
  itemId: string;
  reason: string;
  reasonItemId: string | null;
}

/** The published for-you or discover lists of some customers (the ones present), best first. */
export async function publishedLists(db: Db, runId: number, list: 'for-you' | 'discover', userIds: readonly string[]): Promise<Map<string, ListedItem[]>> {
  const out = new Map<string, ListedItem[]>();
  for (let i = 0; i < userIds.length; i += 1000) {
    const rows = (await whereCustomerKeys(db('recommendations').select('user_id', 'item_id', 'reason', 'reason_item_id').where({ run_id: runId, list }),
      userIds.slice(i, i + 1000)).orderBy(['user_id', 'rank'])) as { user_id: string; item_id: string; reason: string; reason_item_id: string | null }[];
    for (const r of rows) {
      let l = out.get(r.user_id);
      if (!l) out.set(r.user_id, (l = []));
      l.push({ itemId: r.item_id, reason: r.reason, reasonItemId: r.reason_item_id });
    }
  }
  return out;
}

/** The run id of the published scoring run, or null. */
export function publishedScoresRun(db: Db): Promise<number | null> {
  return liveRunId(db, 'scores');
}

/** Chosen attributes of some customers from the shop's users file (values as text; missing keys left out). */
export async function userAttributes(db: Db, userIds: readonly string[], keys: readonly string[]): Promise<Map<string, Record<string, string>>> {
  const out = new Map<string, Record<string, string>>();
  if (keys.length === 0) return out;
  for (let i = 0; i < userIds.length; i += 1000) {
    const rows = (await db('users').select('user_id', 'attributes').whereIn('user_id', userIds.slice(i, i + 1000)).whereNotNull('attributes')) as {
      user_id: string; attributes: string | Record<string, unknown>;
    }[];
    for (const r of rows) {
      const all = (typeof r.attributes === 'string' ? JSON.parse(r.attributes) : r.attributes) as Record<string, unknown>;
      const picked: Record<string, string> = {};
      for (const k of keys) {
        const v = all[k];
        if (v !== undefined && v !== null) picked[k] = typeof v === 'string' ? v : JSON.stringify(v);
      }
      out.set(r.user_id, picked);
    }
  }
  return out;
}

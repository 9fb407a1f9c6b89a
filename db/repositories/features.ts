import type { Db } from '../knex';
import { fromSqlTime, insertChunked, toSqlTime, withTransaction } from './sql-util';

export interface InteractionRow {
  userId: string;
  itemId: string;
  purchases: number;
  quantity: number;
  revenue: number;
  carts: number;
  views: number;
  searches: number;
  weight: number;
  firstAt: number;
  lastAt: number;
}

export interface UserFeatureRow {
  userId: string;
  recencyDays: number;
  frequency: number;
  monetary: number;
  tenureDays: number;
  purchaseLines: number;
  events: number;
  firstAt: number;
  lastAt: number;
}

/** Replaces the derived tables in one transaction: readers see the old set or the new, never a mix. */
export async function replaceFeatures(db: Db, interactions: InteractionRow[], users: UserFeatureRow[], asOf: number): Promise<void> {
  await withTransaction(db, async (trx) => {
    await trx('interactions').delete();
    await trx('user_features').delete();
    await insertChunked(
      trx,
      'interactions',
      interactions.map((r) => ({
        user_id: r.userId,
        item_id: r.itemId,
        purchases: r.purchases,
        quantity: r.quantity,
        revenue: r.revenue,
        carts: r.carts,
        views: r.views,
        searches: r.searches,
        weight: r.weight,
        first_at: toSqlTime(r.firstAt),
        last_at: toSqlTime(r.lastAt),
      })),
    );
    await insertChunked(
      trx,
      'user_features',
      users.map((u) => ({
        user_id: u.userId,
        recency_days: u.recencyDays,
        frequency: u.frequency,
        monetary: u.monetary,
        tenure_days: u.tenureDays,
        purchase_lines: u.purchaseLines,
        events: u.events,
        first_at: toSqlTime(u.firstAt),
        last_at: toSqlTime(u.lastAt),
        as_of: toSqlTime(asOf),
      })),
    );
  });
}

/** Every user's features, as preprocess last wrote them. */
export async function loadUserFeatures(db: Db): Promise<UserFeatureRow[]> {
  const rows = (await db('user_features').select()) as Record<string, string | number>[];
  return rows.map((r) => ({
    userId: String(r.user_id),
    recencyDays: Number(r.recency_days),
    frequency: Number(r.frequency),
    monetary: Number(r.monetary),
    tenureDays: Number(r.tenure_days),
    purchaseLines: Number(r.purchase_lines),
    events: Number(r.events),
    firstAt: fromSqlTime(String(r.first_at)),
    lastAt: fromSqlTime(String(r.last_at)),
  }));
}

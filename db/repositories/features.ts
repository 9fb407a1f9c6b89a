import type { Db } from '../knex';
import { fromSqlTime, insertChunked, toSqlTime } from './sql-util';

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

/**
 * Adds customers' features to `table`: user_features itself, or the copy preprocess builds beside it and swaps in
 * with the training store (db/events/store-write.ts).
 */
export async function insertUserFeatures(db: Db, table: string, users: readonly UserFeatureRow[], asOf: number): Promise<void> {
  await insertChunked(
    db,
    table,
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

import type { Knex } from 'knex';
import { toSqlTime } from './sql-util';

/** An item row as ingest writes it (items upsert: a later file overwrites what it names). */
export interface ItemUpsert {
  itemId: string;
  title: string | null;
  category: string | null;
  price: string | null;
  inStock: boolean;
  /** JSON object text, or null */
  attributes: string | null;
}

/** A user row as ingest writes it. */
export interface UserUpsert {
  userId: string;
  /** JSON object text, or null */
  attributes: string | null;
}

/** Outcome of a multi-row upsert: rows that were new, and rows whose key already existed. */
export interface UpsertOutcome {
  inserted: number;
  existing: number;
}

const STATEMENT_ROWS = 2000;

// mysql2's OK packet info reads "Records: 3  Duplicates: 1  Warnings: 0" for multi-row inserts.
function outcome(res: unknown, rows: number): UpsertOutcome {
  const info = (res as [{ info?: string }])[0]?.info ?? '';
  const dup = /Duplicates:\s*(\d+)/.exec(info);
  const existing = dup ? Number(dup[1]) : 0;
  return { inserted: rows - existing, existing };
}

async function upsertRows(trx: Knex | Knex.Transaction, q: (slice: number, end: number) => Knex.QueryBuilder, n: number): Promise<UpsertOutcome> {
  const total: UpsertOutcome = { inserted: 0, existing: 0 };
  for (let i = 0; i < n; i += STATEMENT_ROWS) {
    const end = Math.min(n, i + STATEMENT_ROWS);
    const { sql, bindings } = q(i, end).toSQL().toNative();
    const o = outcome(await trx.raw(sql, bindings), end - i);
    total.inserted += o.inserted;
    total.existing += o.existing;
  }
  return total;
}

/** Inserts or overwrites items (attributes merge into the stored ones). */
export async function upsertItems(trx: Knex | Knex.Transaction, rows: ItemUpsert[], batchId: number): Promise<UpsertOutcome> {
  const now = toSqlTime(Date.now());
  return upsertRows(
    trx,
    (i, end) =>
      trx('items')
        .insert(
          rows.slice(i, end).map((r) => ({
            item_id: r.itemId,
            title: r.title,
            category: r.category,
            price: r.price,
            in_stock: r.inStock,
            attributes: r.attributes,
            batch_id: batchId,
            updated_at: now,
          })),
        )
        .onConflict('item_id')
        .merge({
          title: trx.raw('VALUES(title)'),
          category: trx.raw('VALUES(category)'),
          price: trx.raw('VALUES(price)'),
          in_stock: trx.raw('VALUES(in_stock)'),
          attributes: trx.raw("IF(VALUES(attributes) IS NULL, items.attributes, JSON_MERGE_PATCH(COALESCE(items.attributes, '{}'), VALUES(attributes)))"),
          batch_id: trx.raw('VALUES(batch_id)'),
          updated_at: trx.raw('VALUES(updated_at)'),
        }),
    rows.length,
  );
}

/** Registers items named by an events file with their titles; never overwrites a title a catalogue file set. */
export async function fillItemTitles(trx: Knex | Knex.Transaction, rows: { itemId: string; title: string }[], batchId: number): Promise<UpsertOutcome> {
  // Hand-written statement: this runs inside every events chunk, and the query builder costs more CPU than the write.
  const now = toSqlTime(Date.now());
  const total: UpsertOutcome = { inserted: 0, existing: 0 };
  for (let i = 0; i < rows.length; i += STATEMENT_ROWS) {
    const slice = rows.slice(i, i + STATEMENT_ROWS);
    const bindings: (string | number)[] = [];
    for (const r of slice) bindings.push(r.itemId, r.title, batchId, now);
    const sql = `INSERT INTO items (item_id, title, in_stock, batch_id, updated_at) VALUES ${Array(slice.length).fill('(?, ?, 1, ?, ?)').join(', ')} ON DUPLICATE KEY UPDATE title = COALESCE(items.title, VALUES(title))`;
    const o = outcome(await trx.raw(sql, bindings), slice.length);
    total.inserted += o.inserted;
    total.existing += o.existing;
  }
  return total;
}

/** Merges attributes carried on event lines into users (inserting users not seen before). */
export async function mergeUserAttributes(trx: Knex | Knex.Transaction, rows: UserUpsert[], batchId: number): Promise<UpsertOutcome> {
  const now = toSqlTime(Date.now());
  const total: UpsertOutcome = { inserted: 0, existing: 0 };
  for (let i = 0; i < rows.length; i += STATEMENT_ROWS) {
    const slice = rows.slice(i, i + STATEMENT_ROWS);
    const bindings: (string | number | null)[] = [];
    for (const r of slice) bindings.push(r.userId, r.attributes, batchId, now);
    const sql =
      `INSERT INTO users (user_id, attributes, batch_id, updated_at) VALUES ${Array(slice.length).fill('(?, ?, ?, ?)').join(', ')} ` +
      "ON DUPLICATE KEY UPDATE attributes = IF(VALUES(attributes) IS NULL, users.attributes, JSON_MERGE_PATCH(COALESCE(users.attributes, '{}'), VALUES(attributes))), " +
      'batch_id = VALUES(batch_id), updated_at = VALUES(updated_at)';
    const o = outcome(await trx.raw(sql, bindings), slice.length);
    total.inserted += o.inserted;
    total.existing += o.existing;
  }
  return total;
}

/** Inserts users or merges new attributes into existing ones (JSON_MERGE_PATCH). */
export async function upsertUsers(trx: Knex | Knex.Transaction, rows: UserUpsert[], batchId: number): Promise<UpsertOutcome> {
  const now = toSqlTime(Date.now());
  return upsertRows(
    trx,
    (i, end) =>
      trx('users')
        .insert(rows.slice(i, end).map((r) => ({ user_id: r.userId, attributes: r.attributes, batch_id: batchId, updated_at: now })))
        .onConflict('user_id')
        .merge({
          attributes: trx.raw("IF(VALUES(attributes) IS NULL, users.attributes, JSON_MERGE_PATCH(COALESCE(users.attributes, '{}'), VALUES(attributes)))"),
          batch_id: trx.raw('VALUES(batch_id)'),
          updated_at: trx.raw('VALUES(updated_at)'),
        }),
    rows.length,
  );
}

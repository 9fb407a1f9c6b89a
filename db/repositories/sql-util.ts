import type { Knex } from 'knex';

/** MySQL DATETIME(3) text for an epoch-ms instant (UTC). */
export function toSqlTime(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

/** Epoch ms from MySQL DATETIME text (the pool uses dateStrings; every stored time is UTC). */
export function fromSqlTime(s: string): number {
  return Date.parse(`${s.replace(' ', 'T')}Z`);
}

/**
 * `recommendations` rows of some customers, as a where clause on its key (run_id, user_hash, user_id, …): the
 * (hash, id) pairs are key ranges, where the id alone would scan the run (migration 013). `alias` prefixes the
 * key's columns with the table's alias ('r.') where the query has one.
 */
export function whereCustomerKeys<Q extends Knex.QueryBuilder>(q: Q, userIds: readonly string[], alias = ''): Q {
  const pairs = userIds.map(() => '(CRC32(?), ?)').join(', ');
  return q.whereRaw(`(${alias}user_hash, ${alias}user_id) IN (${pairs})`, userIds.flatMap((u) => [u, u])) as Q;
}

/** Inserts rows in bounded multi-row statements inside the given transaction (big writes are chunked). */
export async function insertChunked(trx: Knex | Knex.Transaction, table: string, rows: object[], chunk = 2000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    await trx(table).insert(rows.slice(i, i + chunk));
  }
}

/** Runs a transaction, retrying the whole of it on deadlock or lock-wait timeout only. */
export async function withTransaction<T>(db: Knex, work: (trx: Knex.Transaction) => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await db.transaction(work);
    } catch (err) {
      const code = (err as { code?: string }).code;
      const retryable = code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT';
      if (!retryable || attempt >= attempts) throw err;
      await new Promise((r) => setTimeout(r, 50 * attempt));
    }
  }
}

import { Readable } from 'node:stream';
import type { Knex } from 'knex';
import { customerHash } from '../events/buckets';
import { escapeTsv } from '../events/tsv-chunk';

/** A recommended item of one customer's list, as a scoring run stores it. */
export interface RecommendationRow {
  userId: string;
  list: 'for-you' | 'discover';
  rank: number;
  itemId: string;
  score: number;
  reason: string;
  reasonItemId: string | null;
}

/** One customer's purchase probability in a scoring run. */
export interface IntentRow {
  userId: string;
  probability: number;
  horizonDays: number;
}

const N = '\\N';

// Fixed text (no values): the bytes come from memory through infileStreamFactory. A scoring shard writes a page of
// customers' lists (about 40 rows a customer) at a time: bulk load is several times faster than multi-row INSERTs.
const loadSql = (table: string, columns: readonly string[], set = ''): string =>
  `LOAD DATA LOCAL INFILE '${table}.tsv' INTO TABLE ${table} CHARACTER SET utf8mb4 ` +
  "FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' " +
  `(${columns.join(', ')})${set}`;
// The server computes the key's hash from the id as the row lands (migration 013).
const RECOMMENDATIONS_SQL = loadSql('recommendations', ['run_id', 'user_id', 'list', '`rank`', 'item_id', 'score', 'reason', 'reason_item_id'], ' SET user_hash = CRC32(user_id)');
const INTENT_SQL = loadSql('user_intent', ['run_id', 'user_id', 'probability', 'horizon_days']);

async function load(trx: Knex.Transaction, sql: string, tsv: Buffer): Promise<void> {
  if (tsv.length === 0) return;
  await trx.raw(sql).options({ infileStreamFactory: () => Readable.from([tsv]) });
}

/**
 * A run's recommendation rows as LOAD DATA text, in primary-key order (hash, id, list, rank): a shard's pages
 * cover consecutive hash ranges, so rows that land in key order fill index pages one after another. (Exported for
 * the writes bench, which times the encoding apart from the load.)
 */
export function encodeRecommendations(runId: number, recs: readonly RecommendationRow[]): Buffer {
  const hashes = new Map<string, number>();
  for (const r of recs) if (!hashes.has(r.userId)) hashes.set(r.userId, customerHash(r.userId));
  const byKey = (a: RecommendationRow, b: RecommendationRow): number =>
    hashes.get(a.userId)! - hashes.get(b.userId)! ||
    (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : a.list < b.list ? -1 : a.list > b.list ? 1 : a.rank - b.rank);
  // A double's shortest decimal text reads back as the same double.
  return Buffer.from([...recs].sort(byKey).map((r) =>
    `${runId}\t${escapeTsv(r.userId)}\t${r.list}\t${r.rank}\t${escapeTsv(r.itemId)}\t${r.score}\t${escapeTsv(r.reason)}\t${r.reasonItemId === null ? N : escapeTsv(r.reasonItemId)}\n`).join(''), 'utf8');
}

/** Bulk-loads a run's recommendation rows (the customers' old rows of that run must be gone). */
export async function loadRecommendations(trx: Knex.Transaction, runId: number, recs: readonly RecommendationRow[]): Promise<void> {
  await load(trx, RECOMMENDATIONS_SQL, encodeRecommendations(runId, recs));
}

/** Bulk-loads a run's intent rows (the customers' old rows of that run must be gone). */
export async function loadIntent(trx: Knex.Transaction, runId: number, intent: readonly IntentRow[]): Promise<void> {
  const lines = [...intent].sort((a, b) => (a.userId < b.userId ? -1 : a.userId > b.userId ? 1 : 0)).map((r) => `${runId}\t${escapeTsv(r.userId)}\t${r.probability}\t${r.horizonDays}\n`);
  await load(trx, INTENT_SQL, Buffer.from(lines.join(''), 'utf8'));
}

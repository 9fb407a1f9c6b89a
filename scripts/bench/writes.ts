/**
 * `npm run bench -- writes`: the scoring shards' result writes alone, on a scratch database of the local MariaDB
 * as it is configured. Pages shaped like a shard's (2,500 customers in hash order, 20 for-you and 20 discover rows
 * each, plus one intent row) are written into one run through `writeScorePage` by one connection, then by two at
 * once (as two worker processes do), and the text encoding is timed apart. The rate per quarter shows what
 * happens once the run's rows outgrow the InnoDB buffer pool: recommendations, keyed by the customer's hash,
 * append page after page (migration 013); the intent rows, keyed by the id, land at random places. It names what
 * bounds the scale bench's `write_rows_per_second`.
 */
import { createIsolatedDb, isolatedConfig } from '../lib/isolated-env';
import { createRun, writeScorePage, type IntentRow, type RecommendationRow } from '../../db/repositories/runs';
import { encodeRecommendations } from '../../db/repositories/score-load';
import { customerHash } from '../../db/events/buckets';
import type { Db } from '../../db/knex';
import type { Bench } from './types';

const PAGE_CUSTOMERS = 2_500;
const PAGES = Number(process.env.WRITES_PAGES ?? 48);
const REASONS = ['bought-before', 'bought-with', 'popular-in-category', 'trending', 'similar-taste'];

interface Page {
  userIds: string[];
  recs: RecommendationRow[];
  intent: IntentRow[];
}

/**
 * The run's customers in hash order, as shards hand them to their pages: a shard covers a range of store
 * buckets, i.e. of customer hashes, and reads its customers bucket by bucket.
 */
function customersInHashOrder(count: number): string[] {
  const ids = Array.from({ length: count }, (_, n) => `C${String((n * 7_919) % 10_000_000).padStart(7, '0')}`);
  const hash = new Map(ids.map((u) => [u, customerHash(u)]));
  return ids.sort((a, b) => hash.get(a)! - hash.get(b)! || (a < b ? -1 : 1));
}

/** Page `p` of the run (its customers `customers[p * PAGE_CUSTOMERS ...]`), item ids and scores like a real run's. */
function page(customers: readonly string[], p: number): Page {
  const userIds: string[] = [];
  const recs: RecommendationRow[] = [];
  const intent: IntentRow[] = [];
  for (let c = 0; c < PAGE_CUSTOMERS; c++) {
    const n = p * PAGE_CUSTOMERS + c;
    const userId = customers[n]!;
    userIds.push(userId);
    for (const list of ['for-you', 'discover'] as const) {
      for (let rank = 1; rank <= 20; rank++) {
        const reason = REASONS[(n + rank) % REASONS.length]!;
        recs.push({
          userId, list, rank, itemId: `I${(n * 31 + rank * 977) % 100_000}`, score: 1 / (1 + Math.exp(-Math.sin(n + rank) * 4)),
          reason, reasonItemId: reason === 'bought-with' ? `I${(n + rank) % 100_000}` : null,
        });
      }
    }
    intent.push({ userId, probability: 1 / (1 + Math.exp(-Math.cos(n))), horizonDays: 14 });
  }
  return { userIds, recs, intent };
}

const rowsOf = (pages: readonly Page[]): number => pages.reduce((s, p) => s + p.recs.length + p.intent.length, 0);

/** Writes the run's pages `from` to `to` one after another on `db` (each made just before it is written); rows and seconds. */
async function writeRange(db: Db, runId: number, customers: readonly string[], from: number, to: number): Promise<{ rows: number; seconds: number }> {
  let rows = 0;
  let seconds = 0;
  for (let p = from; p < to; p++) {
    const pg = page(customers, p);
    const t = performance.now();
    await writeScorePage(db, runId, pg.userIds, pg.recs, pg.intent);
    seconds += (performance.now() - t) / 1000;
    rows += rowsOf([pg]);
  }
  return { rows, seconds };
}

export const writesBench: Bench = {
  name: 'writes',
  description: `scoring result writes alone: ${PAGES} pages of ${PAGE_CUSTOMERS} customers (41 rows each) into one run by one connection ` +
    '(rate per quarter: the table outgrows the InnoDB buffer pool), then a quarter as many by two at once; encoding timed apart',
  async run() {
    const quarter = Math.max(1, Math.floor(PAGES / 4));
    // One connection writes the first PAGES pages (shards one after another), then two write the next two
    // quarters' worth at once, each its own hash range (two shards at once).
    const customers = customersInHashOrder((PAGES + 2 * quarter) * PAGE_CUSTOMERS);
    const sample = Array.from({ length: 4 }, (_, p) => page(customers, p));
    const t = performance.now();
    for (const p of sample) encodeRecommendations(1, p.recs);
    const encodeSeconds = (performance.now() - t) / 1000;
    const encodeRows = sample.reduce((s, p) => s + p.recs.length, 0);
    const env = await createIsolatedDb(isolatedConfig('bench_writes'));
    try {
      const run = await createRun(env.db, 'scores', null, {});
      const quarters: { rows: number; seconds: number }[] = [];
      for (let q = 0; q < 4; q++) {
        quarters.push(await writeRange(env.db, run, customers, q * quarter, (q + 1) * quarter));
        process.stderr.write(`  quarter ${q + 1}: ${Math.round(quarters[q]!.rows / quarters[q]!.seconds)} rows/s\n`);
      }
      const all = quarters.reduce((a, q) => ({ rows: a.rows + q.rows, seconds: a.seconds + q.seconds }), { rows: 0, seconds: 0 });
      const t2 = performance.now();
      const two = await Promise.all([0, 1].map((w) => writeRange(env.db, run, customers, 4 * quarter + w * quarter, 4 * quarter + (w + 1) * quarter)));
      const twoSeconds = (performance.now() - t2) / 1000;
      const [server] = (await env.db.raw('SELECT @@innodb_buffer_pool_size AS pool, @@innodb_flush_log_at_trx_commit AS flush')) as [{ pool: number; flush: number }[], unknown];
      const [size] = (await env.db.raw("SELECT data_length + index_length AS bytes FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = 'recommendations'")) as [{ bytes: number }[], unknown];
      const rate = (r: { rows: number; seconds: number }): number => Math.round(r.rows / r.seconds);
      return {
        pages: PAGES, customers_per_page: PAGE_CUSTOMERS, rows_per_page: rowsOf(sample) / sample.length,
        encode_rows_per_second: Math.round(encodeRows / encodeSeconds),
        write_rows_per_second_1_connection: rate(all),
        write_rows_per_second_first_quarter: rate(quarters[0]!), write_rows_per_second_last_quarter: rate(quarters[3]!),
        write_rows_per_second_2_connections: Math.round((two[0]!.rows + two[1]!.rows) / twoSeconds),
        recommendations_table_mb: Math.round(Number(size[0]?.bytes ?? 0) / 2 ** 20),
        innodb_buffer_pool_mb: Math.round(Number(server[0]!.pool) / 2 ** 20), innodb_flush_log_at_trx_commit: Number(server[0]!.flush),
      };
    } finally {
      await env.drop();
    }
  },
};

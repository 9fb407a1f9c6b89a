/**
 * `npm run bench -- writes`: the scoring shards' result writes alone, on a scratch database of the local MariaDB
 * as it is configured. Pages shaped like a shard's (2,500 customers, 20 for-you and 20 discover rows each, plus
 * one intent row) are written through `writeScorePage` by one connection, then by two at once (as two worker
 * processes do), and the text encoding is timed apart from the load. It names what bounds the scale bench's
 * `write_rows_per_second`: the encoding in the worker, or the server's LOAD DATA into InnoDB.
 */
import { createIsolatedDb, isolatedConfig } from '../lib/isolated-env';
import { createRun, writeScorePage, type IntentRow, type RecommendationRow } from '../../db/repositories/runs';
import { encodeRecommendations } from '../../db/repositories/score-load';
import type { Db } from '../../db/knex';
import type { Bench } from './types';

const PAGE_CUSTOMERS = 2_500;
const PAGES = Number(process.env.WRITES_PAGES ?? 24);
const REASONS = ['bought-before', 'bought-with', 'popular-in-category', 'trending', 'similar-taste'];

interface Page {
  userIds: string[];
  recs: RecommendationRow[];
  intent: IntentRow[];
}

/** Page `p` of `writer`: distinct customers per writer and page, item ids and scores like a real run's. */
function page(writer: number, p: number): Page {
  const userIds: string[] = [];
  const recs: RecommendationRow[] = [];
  const intent: IntentRow[] = [];
  for (let c = 0; c < PAGE_CUSTOMERS; c++) {
    const n = (writer * PAGES + p) * PAGE_CUSTOMERS + c;
    const userId = `C${String((n * 7_919) % 10_000_000).padStart(7, '0')}`;
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

/** Writes `pages` one after another on `db`; seconds. */
async function writeAll(db: Db, runId: number, pages: readonly Page[]): Promise<number> {
  const t = performance.now();
  for (const p of pages) await writeScorePage(db, runId, p.userIds, p.recs, p.intent);
  return (performance.now() - t) / 1000;
}

export const writesBench: Bench = {
  name: 'writes',
  description: `scoring result writes alone: ${PAGES} pages of ${PAGE_CUSTOMERS} customers (41 rows each) by one connection, then two at once; encoding timed apart`,
  async run() {
    const one = Array.from({ length: PAGES }, (_, p) => page(0, p));
    const two = [1, 2].map((w) => Array.from({ length: PAGES }, (_, p) => page(w, p)));
    const t = performance.now();
    for (const p of one) encodeRecommendations(1, p.recs);
    const encodeSeconds = (performance.now() - t) / 1000;
    const encodeRows = one.reduce((s, p) => s + p.recs.length, 0);
    const env = await createIsolatedDb(isolatedConfig('bench_writes'));
    try {
      const run = await createRun(env.db, 'scores', null, {});
      const oneSeconds = await writeAll(env.db, run, one);
      const t2 = performance.now();
      await Promise.all(two.map((pages) => writeAll(env.db, run, pages)));
      const twoSeconds = (performance.now() - t2) / 1000;
      const [server] = (await env.db.raw('SELECT @@innodb_buffer_pool_size AS pool, @@innodb_flush_log_at_trx_commit AS flush')) as [{ pool: number; flush: number }[], unknown];
      const round = (x: number): number => Math.round(x);
      return {
        pages: PAGES, customers_per_page: PAGE_CUSTOMERS, rows_per_page: rowsOf(one) / PAGES,
        encode_rows_per_second: round(encodeRows / encodeSeconds),
        write_rows_per_second_1_connection: round(rowsOf(one) / oneSeconds),
        write_rows_per_second_2_connections: round((rowsOf(two[0]!) + rowsOf(two[1]!)) / twoSeconds),
        encode_share_of_write: Math.round((encodeSeconds / oneSeconds) * 1000) / 1000,
        innodb_buffer_pool_mb: round(Number(server[0]!.pool) / 2 ** 20), innodb_flush_log_at_trx_commit: Number(server[0]!.flush),
      };
    } finally {
      await env.drop();
    }
  },
};

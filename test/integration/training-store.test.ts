import { ALL_BUCKETS, bucketStats, customerHash, planShards, readStorePages, STORE_BUCKETS, StoreBuild, storeItemSpans, storeSummary, type StoredEvent } from '../../db/events';
import { cleanWithReport, returnEvents } from '../../ml/clean';
import type { EventRecord } from '../../ml/types';
import { createTestDb, testConfig } from '../helpers/env';
import { insertGeneratedShop } from '../helpers/shop';
import { buildTrainingStore } from '../helpers/store';
import { insertPurchases } from '../helpers/events';
import { fromSqlTime } from '../../db/repositories/sql-util';

/** One event as comparable text. */
const sig = (e: StoredEvent): string => JSON.stringify([e.userId, e.itemId, e.type, e.ts, e.quantity, e.price, e.query, e.sessionId]);

/** Every raw event as the old path read it (one array), to clean in one go as the reference. */
async function rawEvents(db: Awaited<ReturnType<typeof createTestDb>>['db']): Promise<EventRecord[]> {
  const rows = (await db('events').select()) as Record<string, unknown>[];
  const types = ['search', 'view', 'cart', 'purchase'] as const;
  return rows.map((r) => ({
    userId: String(r.user_id), itemId: (r.item_id as string | null) ?? null, type: types[Number(r.event_type) - 1]!, ts: fromSqlTime(String(r.occurred_at)),
    quantity: (r.quantity as number | null) ?? null, price: r.price === null ? null : Number(r.price), query: (r.query as string | null) ?? null,
    dwellMs: (r.dwell_ms as number | null) ?? null, sessionId: (r.session_id as string | null) ?? null,
  }));
}

describe('the training store: cleaned once by preprocess, read by customer bucket (real MariaDB)', () => {
  const config = testConfig('store');
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let shop: Awaited<ReturnType<typeof insertGeneratedShop>>;
  let result: Record<string, unknown>;

  beforeAll(async () => {
    env = await createTestDb(config);
    shop = await insertGeneratedShop(env.db, { users: 300, items: 80, days: 120, seed: 5 });
    // Returns, a fee line and a free line beside the generated shop: each is dropped (and the returns kept apart).
    await insertPurchases(env.db, [
      { user: shop.users[0]!, item: 'i1', day: '2024-06-03', qty: -2, price: 3 }, // after every clean event: the store's last row
      { user: shop.users[1]!, item: 'i2', day: '2024-03-04', qty: -1, price: 3 },
      { user: shop.users[2]!, item: 'POST', day: '2024-03-05', price: 3 },
      { user: shop.users[3]!, item: 'i3', day: '2024-03-06', price: 0 },
    ]);
    result = await buildTrainingStore(env.db, config, { excludedItemIds: ['post'] });
  }, 120_000);
  afterAll(() => env.drop());

  it('stores exactly what one cleaning of all raw events keeps, plus the returns, and reports the drops', async () => {
    const raw = await rawEvents(env.db);
    const ref = cleanWithReport(raw, { excludedItemIds: ['post'] });
    const refReturns = returnEvents(raw, { excludedItemIds: ['post'] });
    expect(result).toMatchObject({ rawEvents: raw.length, cleanEvents: ref.kept, returns: refReturns.length, droppedByReason: ref.dropped, customers: shop.users.length });
    expect(ref.dropped).toMatchObject({ excluded_item: 1, return_or_cancellation: 2, zero_price: 1 });
    const events: StoredEvent[] = [];
    const returns: StoredEvent[] = [];
    for await (const page of readStorePages(env.db, ALL_BUCKETS, 1000)) {
      events.push(...page.events);
      returns.push(...page.returns);
    }
    expect(events.map(sig).sort()).toEqual(ref.events.map(sig).sort());
    expect(returns.map(sig).sort()).toEqual(refReturns.map(sig).sort());
    const summary = (await storeSummary(env.db))!;
    expect(summary).toMatchObject({ events: ref.kept, returns: refReturns.length, rawEvents: raw.length, customers: shop.users.length, excludedItemIds: ['post'], buckets: STORE_BUCKETS });
    expect(summary.lastAt).toBe(Math.max(...ref.events.map((e) => e.ts)));
  });

  it('lists every item of the clean events with the time of its last one, returns left out (segment\'s vocabulary and as-of)', async () => {
    const clean = cleanWithReport(await rawEvents(env.db), { excludedItemIds: ['post'] }).events;
    const last = new Map<string | null, number>();
    for (const e of clean) last.set(e.itemId, Math.max(last.get(e.itemId) ?? -Infinity, e.ts));
    const spans = await storeItemSpans(env.db);
    expect(new Map(spans.map((s) => [s.itemId, s.lastAt]))).toEqual(last);
    expect(spans).toHaveLength(last.size);
  });

  it('stores each customer in the bucket of its hash\'s top 12 bits (as customerHash computes it), counted per bucket', async () => {
    const [[wrong]] = (await env.db.raw(`SELECT COUNT(*) AS n FROM training_events WHERE bucket <> CRC32(user_id) DIV ${2 ** 32 / STORE_BUCKETS}`)) as [[{ n: number }]];
    expect(Number(wrong.n)).toBe(0);
    const [hashes] = (await env.db.raw('SELECT DISTINCT user_id, CRC32(user_id) AS h FROM training_events')) as [{ user_id: string; h: number | string }[]];
    for (const r of hashes) expect(customerHash(r.user_id)).toBe(Number(r.h));
    const odd = 'Zoë 北京 🛒';
    const [[server]] = (await env.db.raw('SELECT CRC32(?) AS h', [odd])) as [[{ h: number | string }]];
    expect(customerHash(odd)).toBe(Number(server.h));
    const stats = await bucketStats(env.db);
    expect(stats.reduce((s, b) => s + b.customers, 0)).toBe(shop.users.length);
    expect(stats.reduce((s, b) => s + b.returns, 0)).toBe(2);
    // The key leads with the bucket: a bucket range is an index range.
    const [plan] = (await env.db.raw('EXPLAIN SELECT * FROM training_events WHERE bucket >= 10 AND bucket < 20 ORDER BY bucket, user_id, occurred_at, event_key')) as [{ key: string; type: string }[]];
    expect(plan[0]).toMatchObject({ key: 'PRIMARY', type: 'range' });
  });

  it.each([[100_000], [40], [3]])('reads pages of whole customers, every customer exactly once over shard ranges (%p rows a page)', async (pageRows) => {
    const stats = await bucketStats(env.db);
    const ranges = planShards(stats, 37);
    expect(ranges.length).toBeGreaterThan(1);
    const seen = new Map<string, number>();
    for (const range of ranges) {
      for await (const page of readStorePages(env.db, range, pageRows)) {
        for (const e of [...page.events, ...page.returns]) {
          // A page holds whole customers: the customer's rows were never seen in another page.
          const first = seen.get(e.userId);
          if (first === undefined) seen.set(e.userId, pageRowsKey(range.lo, page.rowsRead));
          else expect(first).toBe(pageRowsKey(range.lo, page.rowsRead));
        }
        for (const u of page.userIds) expect(page.events.some((e) => e.userId === u)).toBe(true);
      }
    }
    expect([...seen.keys()].sort()).toEqual(shop.users);
  });

  it('a second preprocess swaps in a new store and leaves no build tables behind', async () => {
    await insertPurchases(env.db, [{ user: 'late-customer', item: 'i1', day: '2024-04-30' }]);
    const again = await buildTrainingStore(env.db, config, { excludedItemIds: ['post'] });
    expect(again).toMatchObject({ customers: shop.users.length + 1 });
    expect((await storeSummary(env.db))!.customers).toBe(shop.users.length + 1);
    const [tables] = (await env.db.raw("SHOW TABLES LIKE '%\\_next'")) as [unknown[]];
    const [olds] = (await env.db.raw("SHOW TABLES LIKE '%\\_old'")) as [unknown[]];
    expect([tables.length, olds.length]).toEqual([0, 0]);
  });

  it('builds one store at a time: a second build waits for the first, then fails (retried) if it never ends', async () => {
    const first = await StoreBuild.begin(env.db);
    await expect(StoreBuild.begin(env.db, 1)).rejects.toThrow(/another preprocess is still building the training store after 1 s/);
    await first.abandon();
    const [tables] = (await env.db.raw("SHOW TABLES LIKE '%\\_next'")) as [unknown[]];
    expect(tables).toHaveLength(0);
    const second = await StoreBuild.begin(env.db, 1);
    await second.abandon();
  });

  it('fails on an event type code it does not know, naming the code, and keeps the live store', async () => {
    await env.db('events').insert({ event_key: '12345', user_id: 'odd', item_id: 'i1', event_type: 9, occurred_at: '2024-04-01 00:00:00.000', batch_id: 1 });
    await expect(buildTrainingStore(env.db, config)).rejects.toThrow(/unknown event type code 9/);
    expect((await storeSummary(env.db))!.customers).toBe(shop.users.length + 1);
    await env.db('events').where({ event_key: '12345' }).delete();
  });
});

/** The page a row was read in, within one range (pages of one range are told apart by the running row count). */
function pageRowsKey(lo: number, rowsRead: number): number {
  return lo * 1e9 + rowsRead;
}

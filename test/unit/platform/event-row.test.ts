import { eventLine, writeEventRow } from '../../../db/events/load';
import { ALL_BUCKETS, planSample, planShards, STORE_BUCKETS, type BucketStat } from '../../../db/events/buckets';
import { decodeEventType, EVENT_TYPE_CODE, EVENT_TYPE_NAMES, UnknownEventTypeError, type EventLoadRow, type EventTypeName, type StoredEvent } from '../../../db/events/row';
import { ChunkBuffer } from '../../../db/events/tsv-chunk';
import { EVENT_TYPES, type EventRecord, type EventType } from '../../../ml/types';

describe('the events row (db/events/row.ts)', () => {
  it('has the type names of ml/types.ts in the same order, each coded by its 1-based position', () => {
    expect([...EVENT_TYPE_NAMES]).toEqual([...EVENT_TYPES]);
    // Both directions at compile time too: a name added on one side only fails here.
    const asMl: EventType[] = [...EVENT_TYPE_NAMES];
    const asDb: EventTypeName[] = [...EVENT_TYPES];
    expect(asMl).toEqual(asDb);
    EVENT_TYPE_NAMES.forEach((n, i) => expect(EVENT_TYPE_CODE[n]).toBe(i + 1));
    // A stored event is what ml consumes, field for field (db may not import ml: the compiler checks it here).
    const stored: StoredEvent = { userId: 'u', itemId: null, type: 'view', ts: 1, quantity: null, price: null, query: null, dwellMs: null, sessionId: null };
    const record: EventRecord = stored;
    const back: StoredEvent = record;
    expect(back).toBe(stored);
    for (const n of EVENT_TYPE_NAMES) expect(decodeEventType(EVENT_TYPE_CODE[n])).toBe(n);
  });

  it.each([0, 5, 255, -1, 2.5, Number.NaN])('refuses the unknown code %p, naming it, instead of guessing', (code) => {
    let err: unknown;
    try {
      decodeEventType(code);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UnknownEventTypeError);
    expect((err as UnknownEventTypeError).code).toBe(code);
    expect((err as Error).message).toContain(`unknown event type code ${String(code)}`);
  });

  it('encodes a row for LOAD DATA in its column order: escapes, NULLs, and the same bytes either way', () => {
    const row: EventLoadRow = {
      userId: 'u\t1', itemId: null, type: EVENT_TYPE_CODE.search, ms: Date.UTC(2024, 0, 2, 3, 4, 5, 6), quantity: null, price: null,
      dwellMs: null, query: 'red\\mug\nlarge', sessionId: 's1',
    };
    const line = eventLine({ high: 7, low: 9 }, row, 3, '2024-01-02 03:04:05.006');
    expect(line).toBe('7\t9\tu\\t1\t\\N\t1\t2024-01-02 03:04:05.006\t\\N\t\\N\t\\N\tred\\\\mug\\nlarge\ts1\t3\n');
    const chunk = new ChunkBuffer();
    writeEventRow(chunk, { high: 7, low: 9 }, row, 3, '2024-01-02 03:04:05.006');
    expect(chunk.take().toString('utf8')).toBe(line);
  });
});

describe('customer buckets: shard ranges and the training sample (db/events/buckets.ts)', () => {
  // 1,000 non-empty buckets with uneven customers (every fourth bucket empty).
  const stats: BucketStat[] = Array.from({ length: 1000 }, (_, i) => ({ bucket: i * 4 + 1, customers: 1 + (i % 7), events: 10 * (1 + (i % 7)), returns: i % 3 }));
  const customers = stats.reduce((n, s) => n + s.customers, 0);

  it('plans shard ranges that cover every bucket exactly once, with about the asked customers each', () => {
    for (const per of [1, 50, 333, 10_000, customers]) {
      const ranges = planShards(stats, per);
      expect(ranges[0]!.lo).toBe(0);
      expect(ranges[ranges.length - 1]!.hi).toBe(STORE_BUCKETS);
      for (let i = 1; i < ranges.length; i++) expect(ranges[i]!.lo).toBe(ranges[i - 1]!.hi);
      for (const r of ranges) expect(r.hi).toBeGreaterThan(r.lo);
      expect(ranges).toHaveLength(Math.min(stats.length, Math.max(1, Math.ceil(customers / per))));
      const sizes = ranges.map((r) => stats.filter((s) => s.bucket >= r.lo && s.bucket < r.hi).reduce((n, s) => n + s.customers, 0));
      expect(sizes.reduce((a, b) => a + b, 0)).toBe(customers);
      // Even shares: no shard is off by more than one bucket's customers (7 at most here).
      if (ranges.length > 1) for (const n of sizes) expect(Math.abs(n - customers / ranges.length)).toBeLessThanOrEqual(7);
    }
    expect(planShards([], 100)).toEqual([ALL_BUCKETS]);
  });

  it('samples whole buckets from the first while their rows fit the budget; everything when the store fits', () => {
    const rows = stats.reduce((n, s) => n + s.events + s.returns, 0);
    expect(planSample(stats, rows)).toMatchObject({ sampled: false, range: ALL_BUCKETS, rows, customers });
    const plan = planSample(stats, Math.floor(rows / 3));
    expect(plan.sampled).toBe(true);
    expect(plan.range.lo).toBe(0);
    const inside = stats.filter((s) => s.bucket < plan.range.hi);
    expect(plan.rows).toBe(inside.reduce((n, s) => n + s.events + s.returns, 0));
    expect(plan.rows).toBeLessThanOrEqual(Math.floor(rows / 3));
    // The next bucket would not have fitted.
    const nextBucket = stats.find((s) => s.bucket >= plan.range.hi)!;
    expect(plan.rows + nextBucket.events + nextBucket.returns).toBeGreaterThan(Math.floor(rows / 3));
    expect(plan).toMatchObject({ customers: inside.reduce((n, s) => n + s.customers, 0), totalRows: rows, totalCustomers: customers });
    // A budget below one bucket still trains on one bucket.
    expect(planSample(stats, 1)).toMatchObject({ sampled: true, range: { lo: 0, hi: 2 }, customers: 1 });
  });
});

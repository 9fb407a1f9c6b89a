import { IngestInputError } from '../../../ingest';
import { eventLine, writeEventRow } from '../../../db/events/load';
import { ChunkBuffer } from '../../../db/events/tsv-chunk';
import { contentId, eventKey, keyInto, OccurrenceCounter } from '../../../ingest/event-key';
import { compileTimeParser, sqlTime } from '../../../ingest/time';
import type { EventRow } from '../../../ingest/validate';

describe('time parsing', () => {
  const utc = compileTimeParser('auto', 'UTC');
  it.each([
    ['2024-03-01T10:00:00Z', '2024-03-01 10:00:00.000'],
    ['2024-03-01 10:00', '2024-03-01 10:00:00.000'],
    ['2024-03-01', '2024-03-01 00:00:00.000'],
    ['2024-03-01T10:00:00.1234+02:00', '2024-03-01 08:00:00.123'],
    ['1709294400', '2024-03-01 12:00:00.000'],
    ['1709294400123', '2024-03-01 12:00:00.123'],
  ])('auto reads %s', (s, want) => expect(sqlTime(utc(s) ?? 0)).toBe(want));
  it('rejects impossible dates and out-of-range years', () => {
    expect([utc('2023-02-29'), utc('2024-13-01'), utc('1969-12-31'), utc('soon'), utc('2024-01-01 24:00')]).toEqual([null, null, null, null, null]);
  });
  it('reads patterns in a zone', () => {
    const p = compileTimeParser('M/D/YYYY H:mm', 'America/New_York');
    expect(sqlTime(p('7/4/2011 9:05') ?? 0)).toBe('2011-07-04 13:05:00.000');
    expect(p('13/4/2011 9:05')).toBeNull();
  });
  it('reads epoch_s and epoch_ms', () => {
    expect(compileTimeParser('epoch_s', 'UTC')('1.5')).toBe(1500);
    expect(compileTimeParser('epoch_ms', 'UTC')('86400000')).toBe(86400000);
  });
  it('refuses unknown zones and patterns without a date', () => {
    expect(() => compileTimeParser('iso', 'Mars/Base')).toThrow(IngestInputError);
    expect(() => compileTimeParser('HH:mm', 'UTC')).toThrow(IngestInputError);
  });
});

const ev = (over: Partial<EventRow> = {}): EventRow => ({
  userId: 'u',
  itemId: 'i',
  type: 4,
  ms: 1000,
  quantity: 1,
  price: '2.5',
  dwellMs: null,
  query: null,
  sessionId: 's',
  title: null,
  userAttributes: null,
  ...over,
});

describe('event keys', () => {
  it('depend on content and occurrence only', () => {
    const k = eventKey(ev());
    expect(k).toBe(eventKey(ev({ title: 'other title', userAttributes: '{"a":"b"}' })));
    expect(k).not.toBe(eventKey(ev(), 1));
    expect(eventKey(ev(), 1)).not.toBe(eventKey(ev(), 2));
    expect(k).not.toBe(eventKey(ev({ quantity: 2 })));
    expect(k).not.toBe(eventKey(ev({ quantity: null })));
    expect(k).not.toBe(eventKey(ev({ ms: 1001 })));
    expect(k).not.toBe(eventKey(ev({ sessionId: null })));
    expect(k).not.toBe(eventKey(ev({ sessionId: '' })));
    // Field boundaries count: moving text from one field to the next changes the key.
    expect(eventKey(ev({ userId: 'ab', itemId: 'c' }))).not.toBe(eventKey(ev({ userId: 'a', itemId: 'bc' })));
    expect(eventKey(ev({ userId: 'ab', itemId: 'c' }))).toBe(eventKey(ev({ userId: 'ab', itemId: 'c' })));
  });
  it('are pinned: a change of key layout or hash must be deliberate (it changes keys of new ingests)', () => {
    expect(eventKey(ev())).toBe('9453566172438092');
    expect(eventKey(ev({ ms: Date.UTC(2011, 5, 1, 12) }))).toBe(eventKey(ev({ ms: Date.UTC(2011, 5, 1, 12) })));
  });
  it('start with the UTC day (mod 1024), so keys of one day share a narrow range', () => {
    const day = (ms: number): number => Number(BigInt(eventKey(ev({ ms }))) >> 54n);
    const d0 = Date.UTC(2024, 0, 1);
    expect(day(d0)).toBe(Math.floor(d0 / 86400000) % 1024);
    expect(day(d0 + 86399999)).toBe(day(d0));
    expect(day(d0 + 86400000)).toBe((day(d0) + 1) % 1024);
  });
  it('spread evenly over their hash bits and do not collide on 200,000 similar events', () => {
    const n = 200_000;
    const keys = new BigUint64Array(n);
    const top = new Array<number>(16).fill(0);
    const k = { high: 0, low: 0 };
    for (let i = 0; i < n; i++) {
      keyInto(ev({ userId: `u${i % 5000}`, itemId: `i${(i * 7) % 3001}`, ms: 1000 + (i % 977) * 1000, quantity: (i % 5) + 1 }), 0, k);
      keys[i] = (BigInt(k.high) << 32n) | BigInt(k.low);
      top[(k.high >>> 18) & 15]! += 1;
    }
    keys.sort();
    let dup = 0;
    for (let i = 1; i < n; i++) if (keys[i] === keys[i - 1]) dup++;
    expect(dup).toBe(0);
    for (const c of top) expect(Math.abs(c - n / 16)).toBeLessThan(700);
  });
  it('number repeats within a (user, instant) run and restart with the next run', () => {
    const occ = new OccurrenceCounter();
    const seq = [ev(), ev(), ev({ itemId: 'j' }), ev(), ev({ ms: 2000 }), ev({ ms: 2000 })];
    expect(seq.map((r) => occ.next(r, contentId(keyInto(r, 0, { high: 0, low: 0 }))))).toEqual([0, 1, 0, 2, 0, 1]);
  });
  it('writes LOAD DATA lines with escapes and NULLs', () => {
    const line = eventLine({ high: 1, low: 2 }, ev({ query: 'a\tb\\c', itemId: null }), 7, '1970-01-01 00:00:01.000');
    expect(line).toBe('1\t2\tu\t\\N\t4\t1970-01-01 00:00:01.000\t1\t2.5\t\\N\ta\\tb\\\\c\ts\t7\n');
  });
  it('writes the same bytes into a chunk as the text line, non-ASCII and escapes included', () => {
    const rows = [
      ev(),
      ev({ query: 'a\tb\\c\nd\re', itemId: null, quantity: -12, dwellMs: 4294967, price: null, sessionId: null }),
      ev({ userId: 'üser\t€😀x\\', itemId: 'ítem', query: 'ça va\t', quantity: null, price: '0.001', dwellMs: 0 }),
    ];
    const keys = [{ high: 4294967295, low: 0 }, { high: 0, low: 4294967295 }, { high: 1234567890, low: 10 }];
    const cb = new ChunkBuffer();
    rows.forEach((r, i) => writeEventRow(cb, keys[i]!, r, 2147483647, '2024-01-02 03:04:05.006'));
    const want = [1, 2, 0].map((i) => eventLine(keys[i]!, rows[i]!, 2147483647, '2024-01-02 03:04:05.006')).join('');
    expect(cb.take().toString('utf8')).toBe(want);
  });
  it('chunk buffer emits every row once, in key order (ties on the top 32 bits in arrival order)', () => {
    const cb = new ChunkBuffer();
    const keys = [0xff000000, 0x01000000, 0x80000000, 0x00ffffff, 0x01000000];
    keys.forEach((h, i) => {
      cb.begin(h);
      cb.ascii(`row${i}`);
      cb.end();
    });
    expect(cb.rows).toBe(5);
    expect(cb.take().toString()).toBe('row3\nrow1\nrow4\nrow2\nrow0\n');
    expect(cb.rows).toBe(0);
    for (const t of ['a', 'b']) {
      cb.begin(1);
      cb.text(t);
      cb.end();
    }
    expect(cb.take().toString()).toBe('a\nb\n');
  });
  it('chunk buffer grows past its first allocations and sorts big chunks', () => {
    const cb = new ChunkBuffer();
    const n = 70_000;
    for (let i = 0; i < n; i++) {
      cb.begin(n - i);
      cb.ascii('x'.repeat(20));
      cb.int(n - i);
      cb.end();
    }
    const out = cb.take().toString().split('\n');
    expect(out.length).toBe(n + 1);
    expect(out.slice(0, n).map((l) => Number(l.slice(20)))).toEqual(Array.from({ length: n }, (_, i) => i + 1));
    expect(new Set(out).size).toBe(n + 1);
  });
  it('chunk buffer writes integers exactly', () => {
    const cb = new ChunkBuffer();
    const vals = [0, 7, 10, 99, 100, 101, 999, 1000, -1, -10, -2147483648, 4294967295, 1e10, 99999999999, 1e15, 2 ** 53 - 1];
    cb.begin(0);
    vals.forEach((v) => {
      cb.int(v);
      cb.tab();
    });
    cb.end();
    expect(cb.take().toString()).toBe(`${vals.join('\t')}\t\n`);
  });
});

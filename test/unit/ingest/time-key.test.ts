import { IngestInputError } from '../../../jobs/ingest';
import { ChunkBuffer } from '../../../jobs/ingest/chunk-buffer';
import { contentHash, eventContent, eventKey, eventLine, halves, OccurrenceCounter } from '../../../jobs/ingest/event-key';
import { compileTimeParser, sqlTime } from '../../../jobs/ingest/time';
import type { EventRow } from '../../../jobs/ingest/validate';

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
    const c = eventContent(ev());
    expect(eventKey(c, 0)).toBe(eventKey(eventContent(ev({ title: 'other title' })), 0));
    expect(eventKey(c, 0)).not.toBe(eventKey(c, 1));
    expect(eventKey(c, 0)).not.toBe(eventKey(eventContent(ev({ quantity: 2 })), 0));
    expect(eventKey(c, 0)).toBe(BigInt(`0x${contentHash(c, 0).slice(0, 16)}`).toString());
  });
  it('number repeats within a (user, instant) run and restart with the next run', () => {
    const occ = new OccurrenceCounter();
    const seq = [ev(), ev(), ev({ itemId: 'j' }), ev(), ev({ ms: 2000 }), ev({ ms: 2000 })];
    expect(seq.map((r) => occ.next(r, parseInt(contentHash(eventContent(r), 0).slice(0, 13), 16)))).toEqual([0, 1, 0, 2, 0, 1]);
  });
  it('writes LOAD DATA lines with escapes and NULLs', () => {
    const line = eventLine(halves('00000001000000020000000000000000'), ev({ query: 'a\tb\\c', itemId: null }), 7, '1970-01-01 00:00:01.000');
    expect(line).toBe('1\t2\tu\t\\N\t4\t1970-01-01 00:00:01.000\t1\t2.5\t\\N\ta\\tb\\\\c\ts\t7\n');
  });
  it('chunk buffer emits every line once, grouped by key prefix', () => {
    const cb = new ChunkBuffer();
    const keys = [0xff000000, 0x01000000, 0x80000000, 0x01000001];
    keys.forEach((k, i) => cb.push(`row${i}\n`, k));
    expect(cb.rows).toBe(4);
    expect(cb.take().toString()).toBe('row1\nrow3\nrow2\nrow0\n');
    expect(cb.rows).toBe(0);
  });
});

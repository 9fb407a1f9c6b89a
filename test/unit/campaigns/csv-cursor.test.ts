import { csvField, csvLine } from '../../../api/csv';
import { decodeCursor, encodeCursor } from '../../../api/cursor';
import { ApiError } from '../../../api/errors';
// The UCI loader's RFC 4180 line reader: what we write must read back field by field.
import { splitCsvLine as parseLine } from '../../../scripts/lib/uci-loader';

describe('CSV export fields', () => {
  it.each([['=HYPERLINK("http://x")'], ['+1'], ['-2+3'], ['@SUM(A1)'], ['\tcmd'], ['\rcmd']])('neutralise a formula start: %j', (v) => {
    const f = csvField(v);
    const [back] = parseLine(f);
    expect(back).toBe(`'${v}`);
  });

  it('leave ordinary text and numbers alone, quote separators, quotes and line breaks', () => {
    expect(csvField('JUMBO BAG')).toBe('JUMBO BAG');
    expect(csvField(0.25)).toBe('0.25');
    expect(csvField(null)).toBe('');
    expect(csvField(undefined)).toBe('');
    expect(csvField(Number.NaN)).toBe('');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('a=b')).toBe('a=b');
    expect(csvField(-3)).toBe("'-3");
  });

  it('write lines that read back field by field, ending in CRLF', () => {
    const values = ['17850', '=cmd|" /C calc"!A0', 'WHITE "HEART", T-LIGHT', null, 3];
    const line = csvLine(values);
    expect(line.endsWith('\r\n')).toBe(true);
    expect(parseLine(line.slice(0, -2))).toEqual(['17850', `'=cmd|" /C calc"!A0`, 'WHITE "HEART", T-LIGHT', '', '3']);
  });
});

describe('page cursors', () => {
  const c = { runId: 7, scope: 'segment:champions', after: 'u42', firstPageAt: 1_000_000 };
  const status = (f: () => unknown): number => {
    try {
      f();
    } catch (err) {
      return (err as ApiError).status;
    }
    return 200;
  };

  it('carry the run, the list, the last key and the first page time, opaquely', () => {
    const raw = encodeCursor(c);
    expect(raw).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(raw).not.toContain('champions');
    expect(decodeCursor(raw, 'segment:champions', 60_000, 1_030_000)).toEqual(c);
    expect(decodeCursor(encodeCursor({ ...c, after: 250 }), 'segment:champions', 60_000, 1_030_000).after).toBe(250);
  });

  it('refuse garbage and another list with 400, and an expired cursor with 410', () => {
    expect(status(() => decodeCursor('not-a-cursor', 'segment:champions', 60_000, 1_030_000))).toBe(400);
    expect(status(() => decodeCursor(Buffer.from('{"v":1}').toString('base64url'), 'segment:champions', 60_000, 1_030_000))).toBe(400);
    expect(status(() => decodeCursor(encodeCursor(c), 'segment:other', 60_000, 1_030_000))).toBe(400);
    expect(status(() => decodeCursor(encodeCursor(c), 'segment:champions', 60_000, 1_070_000))).toBe(410);
  });
});

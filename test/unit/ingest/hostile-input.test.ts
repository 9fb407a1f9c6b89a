import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { safeText } from '../../../config/errors';
import { IngestInputError, genericEvents, type Mapping } from '../../../ingest';
import { openSource } from '../../../ingest/formats/source';
import { readRecords, type FieldRecord, type ReadLimits } from '../../../ingest/records';

/** Reads a whole file the way the runner does; returns its records, or throws what the reader throws. */
async function readAll(path: string, limits?: ReadLimits, mapping: Mapping = genericEvents): Promise<FieldRecord[]> {
  const src = await openSource(path, 'upload.csv');
  const out: FieldRecord[] = [];
  try {
    for await (const batch of readRecords(src.stream, { format: null, mapping, ...(limits ? { limits } : {}) })) out.push(...batch.records);
  } finally {
    src.close();
  }
  return out;
}

const HEADER = 'user_id,item_id,event_type,ts';
const row = (i: number): string => `u${i},i${i},view,2024-01-0${(i % 9) + 1}T00:00:00Z`;

describe('hostile ingest input', () => {
  let dir: string;
  const crashes: unknown[] = [];
  const onCrash = (err: unknown): void => void crashes.push(err);
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hostile-'));
    process.on('uncaughtException', onCrash);
  });
  afterAll(async () => {
    process.off('uncaughtException', onCrash);
    await rm(dir, { recursive: true, force: true });
  });
  const file = async (name: string, body: string | Buffer): Promise<string> => {
    const p = join(dir, name);
    await writeFile(p, body);
    return p;
  };

  it('fails a corrupt or truncated gzip with a clear input error, never an unhandled stream error', async () => {
    const magicOnly = await file('magic.gz', Buffer.from([0x1f, 0x8b]));
    await expect(readAll(magicOnly)).rejects.toThrow(IngestInputError);
    await expect(readAll(magicOnly)).rejects.toThrow(/upload\.csv is not a valid gzip file/);
    const whole = gzipSync(`${HEADER}\n${Array.from({ length: 2000 }, (_, i) => row(i)).join('\n')}\n`);
    const truncated = await file('cut.csv.gz', whole.subarray(0, Math.floor(whole.length / 2)));
    await expect(readAll(truncated)).rejects.toThrow(/truncated/);
    const garbage = await file('garbage.gz', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(5000, 0xab)]));
    await expect(readAll(garbage)).rejects.toThrow(/not a valid gzip file/);
    await new Promise((r) => setImmediate(r));
    expect(crashes).toEqual([]);
  });

  it('refuses a header wider than the column limit before checking its columns, naming the limit', async () => {
    const wide = await file('wide.csv', `${Array.from({ length: 100_000 }, (_, i) => `c${i}`).join(',')}\nx\n`);
    const err = (await readAll(wide).catch((e: unknown) => e)) as Error;
    expect(err).toBeInstanceOf(IngestInputError);
    expect(err.message).toBe('the header has 100000 columns; the limit is 1000 (INGEST_MAX_COLUMNS)');
  });

  it('finds a duplicate among 100,000 columns in one pass when the limit allows that many', async () => {
    const cols = Array.from({ length: 100_000 }, (_, i) => `c${i}`);
    cols.push('C5');
    const wide = await file('dup.csv', `${cols.join(',')}\n`);
    const err = (await readAll(wide, { maxColumns: 200_000, maxLineChars: 8 << 20 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toBe('header names column "c5" twice');
  });

  it('keeps messages short and free of raw bytes when the header is huge or binary', async () => {
    const hugeName = await file('huge.csv', `user_id,${'x'.repeat(5_000_000)}\n${row(1)}\n`);
    const long = (await readAll(hugeName).catch((e: unknown) => e)) as Error;
    expect(long.message).toBe('the header line is longer than INGEST_MAX_LINE_CHARS');
    const binary = await file('bin.csv', Buffer.concat([Buffer.from('user_id,item_id,event_type,ts,'), Buffer.from([0, 1, 2, 0x1b, 0xff, 0xfe, 7]), Buffer.from('\n')]));
    const bad = (await readAll(binary).catch((e: unknown) => e)) as Error;
    expect(bad).toBeInstanceOf(IngestInputError);
    expect(bad.message.length).toBeLessThanOrEqual(500);
    // eslint-disable-next-line no-control-regex -- asserting no control characters remain
    expect(bad.message).not.toMatch(/[\u0000-\u001f\ufffd]/);
    expect(bad.message).toContain('\\u0000');
  });

  it('rejects an over-long line as line_too_long and keeps the good rows around it, lines numbered right', async () => {
    const body = [HEADER, row(1), `u2,${'y'.repeat(3_000_000)},view,2024-01-01T00:00:00Z`, row(3)].join('\n');
    const recs = await readAll(await file('longline.csv', body), { maxColumns: 1000, maxLineChars: 1 << 20 });
    expect(recs.map((r) => [r.line, r.error?.reason ?? 'ok'])).toEqual([
      [2, 'ok'],
      [3, 'line_too_long'],
      [4, 'ok'],
    ]);
    expect(recs[1]?.raw).toBe('');
  });

  it('treats a last line that is too long the same way, in NDJSON too', async () => {
    const body = `{"user_id":"u1","item_id":"i1","event_type":"view","ts":"2024-01-01T00:00:00Z"}\n{"user_id":"${'z'.repeat(2_000_000)}"}`;
    const recs = await readAll(await file('tail.ndjson', body), { maxColumns: 1000, maxLineChars: 1 << 20 });
    expect(recs.map((r) => r.error?.reason ?? 'ok')).toEqual(['ok', 'line_too_long']);
  });
});

describe('safeText', () => {
  it('escapes control characters, invalid bytes and lone surrogates, and bounds the length', () => {
    expect(safeText('a\u0000b\u001bc\ufffd\ud800')).toBe('a\\u0000b\\u001bc\\ufffd\\ud800');
    expect(safeText('emoji 😀 stays')).toBe('emoji 😀 stays');
    const long = safeText('x'.repeat(5_000_000));
    expect(long).toHaveLength(500);
    expect(long.endsWith('…')).toBe(true);
    expect(safeText('short', 500)).toBe('short');
  });
});

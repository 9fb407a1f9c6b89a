import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { writeCaseFile } from '../../../scripts/chaos/fuzz/ingest-files';
import { checkGiant, parserProperty } from '../../../scripts/chaos/fuzz/ingest-properties';
import { judgeParse } from '../../../scripts/chaos/fuzz/judge';
import { ParsePool } from '../../../scripts/chaos/fuzz/parse-pool';

// Hostile ingest files, property-based (issue 8). A fixed seed keeps `npm test` repeatable; FUZZ_SEED and
// FUZZ_RUNS explore further. fast-check prints the seed and the shrunk counterexample on failure.
const SEED = Number(process.env.FUZZ_SEED ?? 20260801);
const RUNS = Number(process.env.FUZZ_RUNS ?? 250);

describe('ingest parser under hostile files (property)', () => {
  let dir: string;
  let pool: ParsePool;
  let giants: ParsePool;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuzz-parser-'));
    pool = new ParsePool(512);
    giants = new ParsePool(1024);
  });
  afterAll(async () => {
    await pool.close();
    await giants.close();
    await rm(dir, { recursive: true, force: true });
  });

  it(`gives a clean input error or accounts for every record (${RUNS} generated files, seed ${SEED})`, async () => {
    await fc.assert(parserProperty(pool, dir), { numRuns: RUNS, seed: SEED });
  }, 120_000);

  it('refuses a 100,000-column header cleanly and quickly', async () => {
    for (const kind of ['wide-header', 'wide-header-generic', 'wide-header-dupes'] as const) {
      const r = await checkGiant(giants, dir, { kind, size: 100_000 }, 15_000);
      expect({ kind, failures: r.failures }).toEqual({ kind, failures: [] });
    }
  }, 90_000);

  it('rejects a 100,000-field row and keeps the rows around it', async () => {
    const r = await checkGiant(giants, dir, { kind: 'wide-row', size: 100_000 }, 15_000);
    expect(r.failures).toEqual([]);
  }, 30_000);

  it('reads past a single 20 MB line (CSV field, CSV header, NDJSON string, gzip) without a hang or an unbounded heap', async () => {
    for (const kind of ['csv-row-line', 'csv-header-line', 'ndjson-line', 'csv-row-line-gz'] as const) {
      const r = await checkGiant(giants, dir, { kind, size: 20 << 20 }, 30_000);
      expect({ kind, failures: r.failures }).toEqual({ kind, failures: [] });
    }
  }, 120_000);

  it('holds a 20 MB line whole when INGEST_MAX_LINE_CHARS allows it, within a 1 GiB heap', async () => {
    const r = await checkGiant(giants, dir, { kind: 'csv-row-line', size: 20 << 20, maxLineChars: 32 << 20 }, 30_000);
    expect(r.failures).toEqual([]);
    expect(r.outcome).toMatch(/3 records, 2 accepted, 1 rejected/);
  }, 60_000);

  it('numbers records by physical line when blank lines come before the sniffed format', async () => {
    const ndjson = { entity: 'events' as const, mapping: 'generic', ext: '', gzip: 'none' as const, cut: 0, body: Buffer.from('\n{"user_id":"u","item_id":"i","event_type":"view","ts":"2024-03-01T10:00:00Z"}') };
    // 300,000 blank lines fill the first 256 KiB read: the header comes in a later chunk
    const csv = { ...ndjson, body: Buffer.from(`${'\n'.repeat(300_000)}user_id,item_id,event_type,ts\nu1,i1,view,2024-03-01T10:00:00Z\n`) };
    for (const [c, want] of [[ndjson, [2]], [csv, [300_002]]] as const) {
      const path = await writeCaseFile(dir, 'blank-first', c);
      const o = await pool.check({ path, entity: 'events', mapping: 'generic' }, 10_000);
      expect(o.recordLines).toEqual(want);
    }
  });

  it('rejects a line whose value is nested 100,000 deep and keeps the lines around it', async () => {
    const deep = `${'['.repeat(100_000)}${']'.repeat(100_000)}`;
    const line = (q: string): string => `{"user_id":"u","item_id":"i","event_type":"view","ts":"2024-03-01T10:00:00Z","query":${q}}`;
    const c = { entity: 'events' as const, mapping: 'generic', format: 'ndjson' as const, ext: '.ndjson', gzip: 'none' as const, cut: 0, body: Buffer.from([line('"a"'), line(deep), line('"b"')].join('\n')) };
    const path = await writeCaseFile(dir, 'deep', c);
    const o = await pool.check({ path, entity: 'events', mapping: 'generic', format: 'ndjson' }, 10_000);
    expect(judgeParse(o, () => [1, 2, 3], 10_000)).toEqual([]);
    expect(o).toEqual(expect.objectContaining({ accepted: 2, rejected: 1, byReason: { bad_json: 1 } }));
  });
});

import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { createGunzip, gzipSync } from 'node:zlib';
import { countEvents } from '../../../db/events/load';
import { runIngest, type RejectEntry } from '../../../ingest';
import { createTestDb, testConfig } from '../../helpers/env';

const UCI = resolve(__dirname, '../../../data/online-retail/online-retail.csv.gz');
const LINES = 6000;

async function headOfUci(n: number): Promise<string[]> {
  const out: string[] = [];
  const rl = createInterface({ input: createReadStream(UCI).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const l of rl) {
    out.push(l);
    if (out.length >= n) break;
  }
  rl.close();
  return out;
}

/** Each corruption: what it does to a UCI line (fields split on commas; only lines without quotes are picked), and the reason ingest must give. */
const CORRUPTIONS: { reason: string; apply: (f: string[]) => string | Buffer }[] = [
  { reason: 'wrong_column_count', apply: (f) => f.slice(0, 7).join(',') },
  { reason: 'wrong_column_count', apply: (f) => [...f, 'extra'].join(',') },
  { reason: 'unparseable_time', apply: (f) => Object.assign([...f], { 4: '2010-13-45 99:00:00' }).join(',') },
  { reason: 'missing_user', apply: (f) => Object.assign([...f], { 6: '' }).join(',') },
  { reason: 'bad_quantity', apply: (f) => Object.assign([...f], { 3: 'six' }).join(',') },
  { reason: 'bad_price', apply: (f) => Object.assign([...f], { 5: 'N/A' }).join(',') },
  { reason: 'negative_price', apply: (f) => Object.assign([...f], { 5: '-2.55' }).join(',') },
  { reason: 'field_too_long', apply: (f) => Object.assign([...f], { 1: 'X'.repeat(80) }).join(',') },
  { reason: 'unterminated_quote', apply: (f) => Object.assign([...f], { 2: `"${f[2] ?? ''}` }).join(',') },
  { reason: 'bad_encoding', apply: (f) => Buffer.concat([Buffer.from(f.slice(0, 2).join(',') + ','), Buffer.from([0xff, 0xfe]), Buffer.from(',' + f.slice(3).join(','))]) },
];

describe('a deliberately corrupted slice of the UCI file', () => {
  let dir: string;
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let config: ReturnType<typeof testConfig>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-uci-'));
    config = testConfig('ingest_uci', { REJECTS_DIR: join(dir, 'rejects'), INGEST_CHUNK_ROWS: '1000' });
    env = await createTestDb(config);
  });
  afterAll(async () => {
    await env.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('reports every corrupted line with its reason and lands every intact line', async () => {
    const lines = await headOfUci(LINES + 1);
    const corrupted = new Map<number, string>(); // physical line number → reason
    const parts: Buffer[] = [];
    let intactWithCustomer = 0;
    let intactGuests = 0;
    let k = 0;
    lines.forEach((l, i) => {
      const lineNo = i + 1;
      // Corrupt every 97th data line that has a customer and no quotes, cycling through the corruptions.
      if (i > 0 && i % 97 === 0 && !l.includes('"') && /,\d+\.0,[^,]*$/.test(l)) {
        const c = CORRUPTIONS[k++ % CORRUPTIONS.length];
        if (c) {
          corrupted.set(lineNo, c.reason);
          const v = c.apply(l.split(','));
          parts.push(typeof v === 'string' ? Buffer.from(v) : v, Buffer.from('\n'));
          return;
        }
      }
      if (i > 0) {
        if (/,\d+\.0,[^,]*$/.test(l)) intactWithCustomer++;
        else intactGuests++;
      }
      parts.push(Buffer.from(`${l}\n`));
    });
    expect(corrupted.size).toBeGreaterThanOrEqual(40);
    const file = join(dir, 'uci-corrupted.csv.gz');
    await writeFile(file, gzipSync(Buffer.concat(parts)));

    const r = await runIngest({ db: env.db, config }, file, { mapping: 'uci-online-retail' });
    const report = (await readFile(r.rejectReport ?? '', 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as RejectEntry);
    const byLine = new Map(report.map((e) => [e.line, e.reason]));
    for (const [line, reason] of corrupted) expect([line, byLine.get(line)]).toEqual([line, reason]);
    // Nothing else is rejected except guest checkouts (no CustomerID), which UCI really has.
    const others = report.filter((e) => !corrupted.has(e.line));
    expect(others.every((e) => e.reason === 'missing_user')).toBe(true);
    expect(others).toHaveLength(intactGuests);
    expect(r.rowsRead).toBe(LINES);
    expect(r.rowsAccepted).toBe(intactWithCustomer);
    expect(await countEvents(env.db)).toBe(intactWithCustomer);

    const again = await runIngest({ db: env.db, config }, file, { mapping: 'uci-online-retail' });
    expect(again.rowsAccepted - again.rowsDuplicate).toBe(0);
    expect(await countEvents(env.db)).toBe(intactWithCustomer);
  });
});

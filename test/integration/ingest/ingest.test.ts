import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { countEvents } from '../../../db/events/load';
import { getIngestBatch } from '../../../db/repositories/ingest-batches';
import { IngestInputError, runIngest, type IngestProgress, type RejectEntry } from '../../../ingest';
import { createTestDb, testConfig } from '../../helpers/env';

const FIX = resolve(__dirname, '../../fixtures/ingest');

describe('ingest runner on MariaDB', () => {
  let dir: string;
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let config: ReturnType<typeof testConfig>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-it-'));
    config = testConfig('ingest_runner', { REJECTS_DIR: join(dir, 'rejects'), INGEST_CHUNK_ROWS: '3' });
    env = await createTestDb(config);
  });
  afterAll(async () => {
    await env.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const readReport = async (p: string | null): Promise<RejectEntry[]> =>
    p === null ? [] : (await readFile(p, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as RejectEntry);

  it('ingests the small generic fixture: good rows kept, bad rows reported by line and reason', async () => {
    const progress: IngestProgress[] = [];
    const r = await runIngest({ db: env.db, config, onProgress: (p) => void progress.push(p) }, join(FIX, 'events-small.csv'));
    expect(r).toEqual(expect.objectContaining({ rowsRead: 15, rowsAccepted: 8, rowsRejected: 7, rowsDuplicate: 0 }));
    const report = await readReport(r.rejectReport);
    expect(report.map((e) => [e.line, e.reason])).toEqual([
      [8, 'missing_user'],
      [9, 'unknown_event_type'],
      [10, 'unparseable_time'],
      [11, 'negative_price'],
      [12, 'bad_quantity'],
      [13, 'wrong_column_count'],
      [15, 'bad_price'],
    ]);
    expect(report[0]?.raw).toBe(',i3,view,2024-03-01T12:00:00Z,,,,100,s3');
    expect(r.rejectsByReason).toEqual({ missing_user: 1, unknown_event_type: 1, unparseable_time: 1, negative_price: 1, bad_quantity: 1, wrong_column_count: 1, bad_price: 1 });
    expect(await countEvents(env.db, r.batchId)).toBe(8);
    const rows = (await env.db('events').where({ batch_id: r.batchId }).orderBy(['occurred_at', 'event_type'])) as Record<string, unknown>[];
    expect(rows.find((x) => x.event_type === 1)).toEqual(expect.objectContaining({ user_id: 'u1', item_id: null, query: 'red mug, large' }));
    expect(rows.filter((x) => x.user_id === 'u2')).toHaveLength(2); // identical lines are both kept
    expect(rows.find((x) => x.item_id === 'i4 "deluxe"')).toEqual(expect.objectContaining({ occurred_at: '2024-03-01 12:00:00.000', dwell_ms: 800 }));
    expect(rows.find((x) => x.item_id === 'i5')).toEqual(expect.objectContaining({ quantity: -1, occurred_at: '2024-03-01 12:00:00.000' }));
    const batch = await getIngestBatch(env.db, r.batchId);
    expect(batch).toEqual(expect.objectContaining({ status: 'completed', rowsRead: 15, rowsAccepted: 8, rowsRejected: 7, checkpointLine: 16, rejectReport: r.rejectReport, format: 'csv' }));
    expect(batch?.durationMs).toBeGreaterThanOrEqual(0);
    expect(batch?.fileSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(progress.at(-1)).toEqual(expect.objectContaining({ rowsRead: 15, rowsAccepted: 8, rowsRejected: 7, percent: 100 }));
  });

  it('adds nothing when the same file comes again', async () => {
    const before = await countEvents(env.db);
    const r = await runIngest({ db: env.db, config }, join(FIX, 'events-small.csv'));
    expect(r).toEqual(expect.objectContaining({ rowsAccepted: 8, rowsDuplicate: 8 }));
    expect(await countEvents(env.db)).toBe(before);
  });

  it('reads the same events as gzip-compressed NDJSON and finds them already stored', async () => {
    const p = join(dir, 'events.jsonl.gz');
    const lines = [
      { user_id: 'u1', item_id: 'i1', event_type: 'view', ts: '2024-03-01T10:00:05Z', dwell_ms: 5300, session_id: 's1' },
      { user_id: 'u9', item_id: 'i9', event_type: 'cart', ts: 1709294400000, quantity: 1, price: 3.5 },
    ].map((o) => JSON.stringify(o));
    await writeFile(p, gzipSync(`${lines.join('\n')}\n{broken\n`));
    const r = await runIngest({ db: env.db, config }, p);
    expect(r).toEqual(expect.objectContaining({ rowsRead: 3, rowsAccepted: 2, rowsRejected: 1, rowsDuplicate: 1, rejectsByReason: { bad_json: 1 } }));
    expect((await getIngestBatch(env.db, r.batchId))?.format).toBe('ndjson.gz');
  });

  it('upserts items and users, with their own reject reasons', async () => {
    const items = await runIngest({ db: env.db, config }, join(FIX, 'items-small.csv'), { entity: 'items' });
    expect(items).toEqual(expect.objectContaining({ rowsAccepted: 2, rowsRejected: 2, rejectsByReason: { bad_in_stock: 1, bad_attributes: 1 } }));
    const i1 = (await env.db('items').where({ item_id: 'i1' }).first()) as Record<string, unknown>;
    expect(i1).toEqual(expect.objectContaining({ title: 'Red mug', category: 'Kitchen > Mugs', in_stock: 1 }));
    const again = await runIngest({ db: env.db, config }, join(FIX, 'items-small.csv'), { entity: 'items' });
    expect(again.rowsDuplicate).toBe(2);

    const users = await runIngest({ db: env.db, config }, join(FIX, 'users-small.ndjson'), { entity: 'users' });
    expect(users).toEqual(expect.objectContaining({ rowsAccepted: 2, rowsRejected: 2, rejectsByReason: { missing_user: 1, bad_json: 1 } }));
    const u1 = (await env.db('users').where({ user_id: 'u1' }).first()) as { attributes: unknown };
    expect(typeof u1.attributes === 'string' ? JSON.parse(u1.attributes) : u1.attributes).toEqual({ tier: 'gold' });
  });

  it('fails at once, unrecoverably, when the mapping does not fit the header, and records the failure', async () => {
    const p = join(dir, 'wrong.csv');
    await writeFile(p, 'user,item_id,event_type,ts\nu,i,view,2024-01-01\n');
    const err = await runIngest({ db: env.db, config }, p).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(IngestInputError);
    expect((err as IngestInputError).message).toMatch(/"user_id"/);
    expect((err as Error).name).toBe('UnrecoverableError');
    const [last] = (await env.db('ingest_batches').orderBy('batch_id', 'desc').limit(1)) as { status: string; error: string }[];
    expect(last).toEqual(expect.objectContaining({ status: 'failed' }));
    expect(last?.error).toMatch(/user_id/);
    await expect(runIngest({ db: env.db, config }, p, { mapping: 'nope' })).rejects.toBeInstanceOf(IngestInputError);
    await expect(runIngest({ db: env.db, config }, '')).rejects.toBeInstanceOf(IngestInputError);
  });
});

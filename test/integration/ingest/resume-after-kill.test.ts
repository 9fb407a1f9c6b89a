import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { countEvents } from '../../../db/events/load';
import { listIngestBatches } from '../../../db/repositories/ingest-batches';
import type { RejectEntry } from '../../../ingest';
import { generateFiles } from '../../../scripts/lib/generator-files';
import { createTestDb, testConfig } from '../../helpers/env';

// The CLI as shipped (compiled by `npm run build`, which `npm test` runs first).
const CLI = resolve(__dirname, '../../../dist/scripts/ingest-cli.js');

describe('resume after the ingest process is killed mid-file', () => {
  let dir: string;
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let config: ReturnType<typeof testConfig>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-kill-'));
    config = testConfig('ingest_resume', { REJECTS_DIR: join(dir, 'rejects'), INGEST_CHUNK_ROWS: '2000' });
    env = await createTestDb(config);
  });
  afterAll(async () => {
    await env.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const cli = (file: string): ChildProcess =>
    spawn(process.execPath, [CLI, file, '--quiet'], {
      env: { ...process.env, MYSQL_URL: config.MYSQL_URL, MYSQL_READONLY_URL: config.MYSQL_READONLY_URL, REJECTS_DIR: config.REJECTS_DIR, INGEST_CHUNK_ROWS: '2000' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  const exited = (p: ChildProcess): Promise<number | null> => new Promise((ok) => p.once('exit', (code) => ok(code)));

  it('adds each event exactly once and keeps the batch counts right', async () => {
    expect(existsSync(CLI)).toBe(true); // run `npm run build` first
    const file = join(dir, 'shop.csv.gz');
    const gen = await generateFiles({ users: 5000, items: 800, days: 120, seed: 9, malformedRate: 0.01, maxEvents: 120000 }, file);
    expect(gen.events).toBe(120000);

    // 1. Start, wait for the first committed chunk, then SIGKILL (no chance to clean up).
    const first = cli(file);
    const firstExit = exited(first);
    let checkpoint = 0;
    for (let i = 0; i < 1000 && checkpoint === 0; i++) {
      await new Promise((r) => setTimeout(r, 10));
      const [b] = await listIngestBatches(env.db, 1);
      checkpoint = b?.checkpointLine ?? 0;
    }
    first.kill('SIGKILL');
    expect(await firstExit).toBeNull();
    const [killed] = await listIngestBatches(env.db, 1);
    expect(killed?.status).toBe('running');
    expect(killed?.checkpointLine).toBeGreaterThan(0);
    expect(killed?.checkpointLine).toBeLessThan(gen.events);
    const partial = await countEvents(env.db);
    expect(partial).toBe(killed?.rowsAccepted);

    // 2. Run again: the same batch resumes after its checkpoint.
    const second = cli(file);
    let out = '';
    second.stdout?.on('data', (d: Buffer) => (out += d.toString()));
    expect(await exited(second)).toBe(0);
    const result = JSON.parse(out.trim().split('\n').pop() ?? '{}') as { batchId: number; rejectReport: string };
    expect(result.batchId).toBe(killed?.batchId);

    const batches = await listIngestBatches(env.db);
    expect(batches).toHaveLength(1);
    expect(batches[0]).toEqual(
      expect.objectContaining({ status: 'completed', rowsRead: gen.events, rowsAccepted: gen.events - gen.malformed, rowsRejected: gen.malformed, rowsDuplicate: 0, checkpointLine: gen.events + 1 }),
    );
    expect(await countEvents(env.db)).toBe(gen.events - gen.malformed);
    const [dupes] = (await env.db.raw('SELECT COUNT(*) AS n FROM (SELECT user_id, item_id, event_type, occurred_at, session_id, COUNT(*) c FROM events GROUP BY 1, 2, 3, 4, 5 HAVING c > 1) d')) as [{ n: number }[]];
    expect(Number(dupes[0]?.n)).toBe(0);

    const report = (await readFile(result.rejectReport, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as RejectEntry);
    expect(report).toHaveLength(gen.malformed);
    expect(new Set(report.map((e) => e.line)).size).toBe(gen.malformed);
  });
});

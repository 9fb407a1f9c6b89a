import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { dbProperty } from '../../scripts/chaos/fuzz/ingest-db';
import { createTestDb, testConfig } from '../helpers/env';

// Hostile files through the real ingest runner into MariaDB, property-based (issue 8). Small chunks so most
// files commit several chunks; each case ingests its file twice. FUZZ_SEED / FUZZ_DB_RUNS explore further.
const SEED = Number(process.env.FUZZ_SEED ?? 20260803);
const RUNS = Number(process.env.FUZZ_DB_RUNS ?? 60);

describe('ingest end to end under hostile files (property, real MariaDB)', () => {
  let dir: string;
  let config: ReturnType<typeof testConfig>;
  let env: Awaited<ReturnType<typeof createTestDb>>;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fuzz-db-'));
    config = testConfig('fuzz_db', { REJECTS_DIR: join(dir, 'rejects'), INGEST_CHUNK_ROWS: '4' });
    env = await createTestDb(config);
  });
  afterAll(async () => {
    await env.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it(`ends every batch completed or failed, stores exactly the accepted rows, adds nothing on re-ingest (${RUNS} files, seed ${SEED})`, async () => {
    const tally = { n: 0, lost: 0 };
    await fc.assert(dbProperty(env.db, config, dir, tally), { numRuns: RUNS, seed: SEED });
    expect(tally.lost).toBe(0);
  }, 120_000);
});

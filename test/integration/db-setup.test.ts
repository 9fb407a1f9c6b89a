import { createDb } from '../../db/knex';
import { createTestDb, testConfig } from '../helpers/env';

describe('database setup', () => {
  const config = testConfig('db_setup');
  let env: Awaited<ReturnType<typeof createTestDb>>;
  beforeAll(async () => {
    env = await createTestDb(config);
  });
  afterAll(async () => {
    await env.drop();
  });

  it('creates every table of the data model', async () => {
    const [rows] = (await env.db.raw('SHOW TABLES')) as [Record<string, string>[]];
    const tables = rows.map((r) => Object.values(r)[0]).sort();
    expect(tables).toEqual(
      expect.arrayContaining(['events', 'ingest_batches', 'items', 'models', 'published_runs', 'recommendations', 'score_runs', 'segment_members', 'segments', 'training_buckets', 'training_events', 'training_store', 'user_intent', 'users']),
    );
    // Nothing read the per-(user, item) aggregates or the per-customer features: the stages after preprocess read the training store.
    expect(tables).not.toContain('interactions');
    expect(tables).not.toContain('user_features');
  });

  it('gives the API user SELECT and nothing more', async () => {
    const ro = createDb(config.MYSQL_READONLY_URL, 1);
    try {
      await expect(ro('items').count({ n: '*' })).resolves.toEqual([{ n: 0 }]);
      await expect(ro('items').insert({ item_id: 'x', in_stock: 1, updated_at: new Date() })).rejects.toThrow(/denied/i);
    } finally {
      await ro.destroy();
    }
  });
});

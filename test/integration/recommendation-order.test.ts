import { recommendationOrderMigrations } from '../../db/migrations/013-recommendation-order';
import { createTestDb, testConfig } from '../helpers/env';

describe('migration 013: recommendations keyed by the customer hash (real MariaDB)', () => {
  const config = testConfig('rec_order');
  let env: Awaited<ReturnType<typeof createTestDb>>;
  const [migration] = recommendationOrderMigrations;

  beforeAll(async () => {
    env = await createTestDb(config);
  });
  afterAll(() => env.drop());

  const primaryKey = async (): Promise<string[]> => {
    const [rows] = (await env.db.raw("SHOW INDEX FROM recommendations WHERE Key_name = 'PRIMARY'")) as [{ Column_name: string; Seq_in_index: number }[]];
    return rows.sort((a, b) => a.Seq_in_index - b.Seq_in_index).map((r) => r.Column_name);
  };

  it('keeps the rows a database already holds, fills their hash and swaps the key; down restores the old key', async () => {
    await migration!.down(env.db);
    expect(await primaryKey()).toEqual(['run_id', 'user_id', 'list', 'rank']);
    const rows = ['17850', 'Zoë', 'c-3'].flatMap((user_id) => [1, 2].map((rank) => ({
      run_id: 7, user_id, list: 'for-you', rank, item_id: `i${rank}`, score: 1 / rank, reason: 'trending', reason_item_id: null,
    })));
    await env.db('recommendations').insert(rows);

    await migration!.up(env.db);
    expect(await primaryKey()).toEqual(['run_id', 'user_hash', 'user_id', 'list', 'rank']);
    const after = (await env.db('recommendations').select('user_id', 'rank', 'item_id').orderBy(['user_id', 'rank'])) as { user_id: string }[];
    expect(after).toEqual(rows.map((r) => ({ user_id: r.user_id, rank: r.rank, item_id: r.item_id })).sort((a, b) => (a.user_id < b.user_id ? -1 : a.user_id > b.user_id ? 1 : a.rank - b.rank)));
    const [[wrong]] = (await env.db.raw('SELECT COUNT(*) AS n FROM recommendations WHERE user_hash <> CRC32(user_id)')) as [[{ n: number }]];
    expect(Number(wrong.n)).toBe(0);
    // A row loaded without its hash is refused, not keyed at 0.
    await expect(env.db('recommendations').insert({ ...rows[0], user_id: 'new' })).rejects.toThrow(/user_hash/);
  });
});

import { createRun, failRun, findRunOfJob, finishedShards, finishScoreShard, publishRun, pruneRuns, writeScorePage, writeScoreShard } from '../../db/repositories/runs';
import { whereCustomerKeys } from '../../db/repositories/sql-util';
import { createTestDb, testConfig } from '../helpers/env';

describe('scoring runs: shard bookkeeping and pruning (real MariaDB)', () => {
  const config = testConfig('runs');
  let env: Awaited<ReturnType<typeof createTestDb>>;

  beforeAll(async () => {
    env = await createTestDb(config);
  });
  afterAll(() => env.drop());

  const intent = (users: string[]) => users.map((userId) => ({ userId, probability: 0.5, horizonDays: 30 }));

  it('records each shard with its rows; rewriting a shard replaces it', async () => {
    const run = await createRun(env.db, 'scores', 1, { shards: 2 }, 'score-all-users-job1');
    await writeScoreShard(env.db, run, ['a', 'b'], [], intent(['a', 'b']), 0);
    await writeScoreShard(env.db, run, ['a', 'b'], [], intent(['a', 'b']), 0); // a retried shard
    expect(await finishedShards(env.db, run)).toEqual({ shards: 1, users: 2 });
    await writeScoreShard(env.db, run, ['c'], [], intent(['c']), 1);
    expect(await finishedShards(env.db, run)).toEqual({ shards: 2, users: 3 });
    expect(await findRunOfJob(env.db, 'score-all-users-job1')).toMatchObject({ runId: run, status: 'running', params: { shards: 2 } });
    expect(await findRunOfJob(env.db, 'no-such-job')).toBeNull();
  });

  it('writes a shard page by page (bulk load, every value as given) and records it done only when asked', async () => {
    const run = await createRun(env.db, 'scores', 1, {});
    const recs = (users: string[], score: number) => users.flatMap((userId) => [1, 2].map((rank) => ({
      userId, list: 'for-you' as const, rank, itemId: `it\t${rank}`, score: score / rank, reason: 'bought-with', reasonItemId: rank === 1 ? null : 'x\\y',
    })));
    await writeScorePage(env.db, run, ['a', 'b'], recs(['a', 'b'], 0.1 + 0.2), intent(['a', 'b']));
    await writeScorePage(env.db, run, ['c'], recs(['c'], 1 / 3), intent(['c']));
    // A retried page replaces its customers' rows.
    await writeScorePage(env.db, run, ['a', 'b'], recs(['a', 'b'], 0.1 + 0.2), intent(['a', 'b']));
    expect(await finishedShards(env.db, run)).toEqual({ shards: 0, users: 0 });
    await finishScoreShard(env.db, run, 0, 3);
    expect(await finishedShards(env.db, run)).toEqual({ shards: 1, users: 3 });
    const rows = (await env.db('recommendations').where({ run_id: run }).orderBy(['user_id', 'rank'])) as { user_id: string; item_id: string; score: number; reason_item_id: string | null }[];
    expect(rows.map((r) => [r.user_id, r.item_id, r.score, r.reason_item_id])).toEqual([
      ['a', 'it\t1', 0.1 + 0.2, null], ['a', 'it\t2', (0.1 + 0.2) / 2, 'x\\y'], ['b', 'it\t1', 0.1 + 0.2, null], ['b', 'it\t2', (0.1 + 0.2) / 2, 'x\\y'],
      ['c', 'it\t1', 1 / 3, null], ['c', 'it\t2', 1 / 6, 'x\\y'],
    ]);
    expect(Number(((await env.db('user_intent').where({ run_id: run }).count({ n: '*' })) as [{ n: number }])[0].n)).toBe(3);
  });

  it('keys recommendations by the customer\'s hash first, and looks customers up as key ranges', async () => {
    const run = await createRun(env.db, 'scores', 1, {});
    const users = Array.from({ length: 50 }, (_, i) => `u${i}`);
    await writeScorePage(env.db, run, users, users.map((userId) => ({ userId, list: 'discover' as const, rank: 1, itemId: 'i', score: 1, reason: 'trending', reasonItemId: null })), intent(users));
    const [[wrong]] = (await env.db.raw('SELECT COUNT(*) AS n FROM recommendations WHERE run_id = ? AND user_hash <> CRC32(user_id)', [run])) as [[{ n: number }]];
    expect(Number(wrong.n)).toBe(0);
    const lookup = whereCustomerKeys(env.db('recommendations').select('item_id').where({ run_id: run, list: 'discover' }), ['u3', 'u7']);
    expect(await lookup.clone().pluck('item_id')).toEqual(['i', 'i']);
    const { sql, bindings } = lookup.toSQL();
    const [plan] = (await env.db.raw(`EXPLAIN ${sql}`, bindings)) as [{ key: string; type: string }[]];
    expect(plan[0]).toMatchObject({ key: 'PRIMARY', type: 'range' });
  });

  it('prunes old published, failed and abandoned runs, never the live or previous one or a fresh running one', async () => {
    const runs: number[] = [];
    for (let i = 0; i < 4; i++) {
      const r = await createRun(env.db, 'scores', 1, {});
      await writeScoreShard(env.db, r, ['u'], [], intent(['u']), 0);
      await publishRun(env.db, 'scores', r, 1);
      runs.push(r);
    }
    const failed = await createRun(env.db, 'scores', 1, {});
    await failRun(env.db, failed);
    const abandoned = await createRun(env.db, 'scores', 1, {});
    await env.db('score_runs').where({ run_id: abandoned }).update({ started_at: '2000-01-01 00:00:00.000' });
    const fresh = await createRun(env.db, 'scores', 1, {});

    const pruned = await pruneRuns(env.db, 'scores', 2);
    // The first test's run is still running and fresh; of the four published, the newest two are kept.
    expect(pruned.sort((a, b) => a - b)).toEqual([runs[0], runs[1], failed, abandoned].sort((a, b) => a! - b!));
    for (const r of [runs[0]!, runs[1]!, abandoned]) expect(await finishedShards(env.db, r)).toEqual({ shards: 0, users: 0 });
    expect(await finishedShards(env.db, runs[3]!)).toEqual({ shards: 1, users: 1 });
    const [row] = await env.db('score_runs').where({ run_id: fresh }).select<{ status: string }[]>('status');
    expect(row?.status).toBe('running');
  });
});

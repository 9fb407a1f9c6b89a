import { createRun, failRun, findRunOfJob, finishedShards, publishRun, pruneRuns, writeScoreShard } from '../../db/repositories/runs';
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

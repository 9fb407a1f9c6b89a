import { Job } from 'bullmq';
import { registerModel } from '../../db/repositories/models';
import type { Queues } from '../../jobs/client/queues';
import { fitChampion, selectBackend, serializeModel, type EventRecord } from '../../ml';
import { createTestDb, testConfig } from '../helpers/env';
import { insertPurchases, smallShop } from '../helpers/events';
import { startWorkerRig, waitForJob, type WorkerRig } from '../helpers/jobs';
import { buildTrainingStore } from '../helpers/store';

/** The small shop's purchases as ml events (the model is fitted here, so the test needs no train job). */
function shopEvents(): EventRecord[] {
  return smallShop().map((r) => ({
    userId: r.user, itemId: r.item, type: 'purchase', ts: Date.parse(`${r.day}T10:00:00Z`), quantity: 1, price: 2.5,
    query: null, dwellMs: null, sessionId: null,
  }));
}

// Sandboxed (worker threads, or child processes as for native TensorFlow) and in-process workers pass the lock
// token and the config differently.
describe.each([['true', 'thread'], ['true', 'process'], ['false', 'thread']])('score-all-users fans out into shard jobs (real Redis + MariaDB, WORKER_SANDBOXED=%s, %s)', (sandboxed, kind) => {
  // 40 customers, 12 per shard → 4 shard jobs.
  const config = testConfig('scoring', { WORKER_QUEUES: 'control,score-shard', SCORE_SHARD_USERS: '12', WORKER_CONCURRENCY: '2', WORKER_SANDBOXED: sandboxed, WORKER_SANDBOX_KIND: kind });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let rig: WorkerRig;
  let queues: Queues;

  beforeAll(async () => {
    env = await createTestDb(config);
    await insertPurchases(env.db, smallShop());
    // Shards read the training store, which preprocess builds from the events.
    await buildTrainingStore(env.db, config);
    await selectBackend('wasm');
    const events = shopEvents();
    const model = await fitChampion(events, { asOf: Math.max(...events.map((e) => e.ts)) + 1, k: 5, horizonDays: 14 });
    await registerModel(env.db, {
      kind: 'champion', backend: 'wasm', params: {}, dataWindow: {}, metrics: {}, baselines: {}, decision: 'test', trainSeconds: 1,
      artifact: serializeModel(model),
    }, true);
    rig = startWorkerRig(config, env);
    queues = rig.queues;
  }, 60_000);
  afterAll(() => rig.close());

  it('scores every customer across shard jobs and publishes once all of them have written', async () => {
    const id = await queues.add('score-all-users', { k: 5 }, 'run1');
    const result = (await waitForJob(queues.queueFor('score-all-users'), id, 60_000)) as { runId: number; users: number; shards: number };
    expect(result).toMatchObject({ users: 40, shards: 4 });
    for (let i = 0; i < 4; i++) {
      const shard = await Job.fromId(queues.queueFor('score-shard'), `score-shard-${result.runId}-${i}`);
      expect(await shard!.getState()).toBe('completed');
      expect(shard!.parentKey).toContain(id);
      // The scale bench's time share: each phase timed apart, the model and top-K adding up to the scoring time.
      const r = shard!.returnvalue as Record<string, number>;
      for (const k of ['readSeconds', 'modelSeconds', 'topkSeconds', 'writeSeconds']) expect(r[k]).toBeGreaterThanOrEqual(0);
      expect(r.modelSeconds! + r.topkSeconds!).toBeGreaterThan(0);
      expect(r.scoreSeconds).toBeCloseTo(r.modelSeconds! + r.topkSeconds!, 9);
      // Phases lie inside the shard's time (reads and writes are timed to the millisecond: a little slack).
      expect(r.readSeconds! + r.scoreSeconds! + r.writeSeconds!).toBeLessThanOrEqual(r.seconds! + 0.05);
    }
    const shards = await env.db('score_run_shards').where({ run_id: result.runId }).select<{ users: number }[]>('users');
    expect(shards.reduce((s, r) => s + r.users, 0)).toBe(40);
    const intent = (await env.db('user_intent').where({ run_id: result.runId }).countDistinct({ n: 'user_id' })) as [{ n: number }];
    expect(Number(intent[0].n)).toBe(40);
    const recs = (await env.db('recommendations').where({ run_id: result.runId, list: 'for-you' }).countDistinct({ n: 'user_id' })) as [{ n: number }];
    expect(Number(recs[0].n)).toBe(40);
    const [pub] = (await env.db('published_runs').where({ kind: 'scores' })) as { run_id: number }[];
    expect(pub?.run_id).toBe(result.runId);
    // The first shard wrote the run's item-level outputs: similar items and the cold-start lists.
    const similar = (await env.db('similar_items').where({ run_id: result.runId }).countDistinct({ n: 'item_id' })) as [{ n: number }];
    expect(Number(similar[0].n)).toBeGreaterThan(0);
    const lists: { list: string; n: number }[] = await env.db('run_item_lists').where({ run_id: result.runId }).groupBy('list').select('list').count({ n: '*' });
    expect(Object.fromEntries(lists.map((l) => [l.list, Number(l.n)]))).toMatchObject({ 'cold-start:for-you': 5, 'cold-start:discover': 5, });
    expect(lists.find((l) => l.list === 'popular')).toBeDefined();
    const [run] = (await env.db('score_runs').where({ run_id: result.runId })) as { cold_start_intent: number | null }[];
    expect(run!.cold_start_intent).toBeGreaterThan(0);
  }, 90_000);

  it('a shard that fails for good fails its parent and publishes nothing', async () => {
    const [before] = (await env.db('published_runs').where({ kind: 'scores' })) as { run_id: number }[];
    const broken = await registerModel(env.db, {
      kind: 'champion', backend: 'wasm', params: {}, dataWindow: {}, metrics: {}, baselines: {}, decision: 'test', trainSeconds: 1,
      artifact: Buffer.from('not a model'),
    }, false);
    const id = await queues.add('score-all-users', { modelVersion: broken }, 'broken');
    // Failed by BullMQ either way: through failParentOnFailure once parked, or refused parking if a shard failed first.
    await expect(waitForJob(queues.queueFor('score-all-users'), id, 60_000)).rejects.toThrow(/child .*score-shard|failed child/);
    const [run] = (await env.db('score_runs').where({ job_id: id })) as { run_id: number; status: string }[];
    // Whichever shard failed first failed the parent (shards run in any order): it failed once, naming the model.
    const shards = await Promise.all([0, 1, 2, 3].map((i) => Job.fromId(queues.queueFor('score-shard'), `score-shard-${run!.run_id}-${i}`)));
    const failed = shards.filter((j) => j?.failedReason);
    expect(failed.length).toBeGreaterThanOrEqual(1);
    for (const j of failed) {
      expect(j!.failedReason).toMatch(new RegExp(`model version ${broken} is unreadable`));
      expect(j!.attemptsMade).toBe(1);
    }
    const [after] = (await env.db('published_runs').where({ kind: 'scores' })) as { run_id: number }[];
    expect(after?.run_id).toBe(before?.run_id);
    expect(run!.status).not.toBe('published');
  }, 90_000);
});

import { Job } from 'bullmq';
import type { Queues } from '../../jobs/client/queues';
import { createRedis } from '../../jobs/client/redis';
import { upsertNightlySchedule, NIGHTLY_SCHEDULER_ID } from '../../workers/scheduler';
import { createTestDb, testConfig } from '../helpers/env';
import { insertPurchases, smallShop } from '../helpers/events';
import { startWorkerRig, waitForJob, type WorkerRig } from '../helpers/jobs';

describe('worker pool (sandboxed processors on real Redis + MariaDB)', () => {
  const config = testConfig('workers', { WORKER_QUEUES: 'preprocess,segment,control', SEGMENT_COUNT: '3' });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let rig: WorkerRig;
  let queues: Queues;

  beforeAll(async () => {
    env = await createTestDb(config);
    await insertPurchases(env.db, smallShop());
    rig = startWorkerRig(config, env);
    queues = rig.queues;
  });
  afterAll(() => rig.close());

  it('runs preprocess in a worker thread, reporting progress, and writes the training store', async () => {
    const id = await queues.add('preprocess', {}, 'p1');
    const result = (await waitForJob(queues.queueFor('preprocess'), id)) as Record<string, number>;
    expect(result).toMatchObject({ rawEvents: smallShop().length, customers: 40 });
    const [{ n }] = (await env.db('training_events').countDistinct({ n: 'user_id' })) as [{ n: number }];
    expect(Number(n)).toBe(40);
    const done = (await Job.fromId(queues.queueFor('preprocess'), id))!;
    expect(done.progress).toMatchObject({ percent: 100 });
  });

  it('segments and publishes; a bad payload fails at once without retries', async () => {
    const id = await queues.add('segment', {}, 's1');
    const result = (await waitForJob(queues.queueFor('segment'), id)) as { members: number; runId: number };
    expect(result.members).toBe(40);
    const [pub] = (await env.db('published_runs').where({ kind: 'segments' })) as { run_id: number }[];
    expect(pub?.run_id).toBe(result.runId);

    await queues.queueFor('segment').add('segment', { segments: 99 }, { jobId: 'segment-bad', attempts: 3 });
    await expect(waitForJob(queues.queueFor('segment'), 'segment-bad')).rejects.toThrow(/segments/);
    const failed = (await Job.fromId(queues.queueFor('segment'), 'segment-bad'))!;
    expect(failed.attemptsMade).toBe(1); // UnrecoverableError crossed the sandbox boundary: no retry
  });

  it('registers exactly one nightly scheduler however often it is upserted', async () => {
    await upsertNightlySchedule(config, queues);
    await upsertNightlySchedule(config, queues);
    const schedulers = await queues.queueFor('nightly-pipeline').getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: NIGHTLY_SCHEDULER_ID, pattern: config.NIGHTLY_CRON, tz: 'UTC' });
  });

  it('a start that loses the upsert race to another scheduler process succeeds, and the schedule stays one', async () => {
    const queue = queues.queueFor('nightly-pipeline');
    await upsertNightlySchedule(config, queues);
    // What the loser of two concurrent starts meets: the other process already took the next iteration (it left
    // the delayed set), so BullMQ cannot replace it and reports a job id collision.
    const [iteration] = await queue.getDelayed();
    expect(iteration?.id).toMatch(new RegExp(`^repeat:${NIGHTLY_SCHEDULER_ID}:`));
    const redis = createRedis(config.REDIS_URL, 'worker');
    await redis.zrem(queue.toKey('delayed'), iteration!.id!);
    redis.disconnect();
    await expect(upsertNightlySchedule(config, queues)).resolves.toBeUndefined();
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toHaveLength(1);
    expect(schedulers[0]).toMatchObject({ key: NIGHTLY_SCHEDULER_ID, pattern: config.NIGHTLY_CRON, tz: 'UTC' });
  });
});

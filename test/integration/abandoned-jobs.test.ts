import { Worker } from 'bullmq';
import { openQueues } from '../../jobs/client/queues';
import { createRedis } from '../../jobs/client/redis';
import { clearAbandonedJobs } from '../../scripts/lib/abandoned-jobs';
import { testConfig } from '../helpers/env';

/** The demo's start: unfinished jobs of a killed earlier run are removed, but never under a live worker. */
describe('clearAbandonedJobs (real Redis)', () => {
  const config = testConfig('abandoned');
  const redis = createRedis(config.REDIS_URL, 'worker');
  const queues = openQueues(config, redis);

  afterAll(async () => {
    await Promise.all([...queues.byName.values()].map((q) => q.obliterate({ force: true })));
    await queues.close();
    redis.disconnect();
  });

  it('leaves jobs alone while a worker is connected, and removes them once none is', async () => {
    await queues.add('train', {}, 'left-1');
    await queues.add('segment', {}, 'left-2');
    await queues.queueFor('preprocess').add('preprocess', {}, { delay: 60_000, jobId: 'preprocess-left-3' });
    // A live worker on another queue: the prefix is in use, so nothing may be removed.
    const workerConnection = createRedis(config.REDIS_URL, 'worker');
    const worker = new Worker('ingest', () => Promise.resolve(), { connection: workerConnection, prefix: config.QUEUE_PREFIX });
    await worker.waitUntilReady();
    try {
      const live = await clearAbandonedJobs(config);
      expect(live).toEqual({ found: 3, removed: 0, workers: 1 });
    } finally {
      await worker.close();
      workerConnection.disconnect();
    }
    const after = await clearAbandonedJobs(config);
    expect(after).toEqual({ found: 3, removed: 3, workers: 0 });
    const counts = await Promise.all(['train', 'segment', 'preprocess'].map((q) => queues.byName.get(q)!.getJobCountByTypes('waiting', 'delayed')));
    expect(counts).toEqual([0, 0, 0]);
  });
});

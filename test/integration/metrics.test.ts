import request from 'supertest';
import { registerModel } from '../../db/repositories/models';
import { ALL_QUEUES } from '../../jobs/catalogue';
import { openLocalApi, type LocalApi } from '../../scripts/lib/local-api';
import { createTestDb, testConfig } from '../helpers/env';
import { insertPurchases, smallShop } from '../helpers/events';
import { startWorkerRig, waitForJob, type WorkerRig } from '../helpers/jobs';
import { parseExposition, series, valueOf, type Sample } from '../helpers/prometheus';

const OPS = 'metrics-ops-key-1';
const READER = 'metrics-read-key-1';
const SCRAPER = 'metrics-scrape-key-1';

/** Polls `probe` every 50 ms until it returns true, else fails after `ms`. */
async function eventually(ms: number, probe: () => Promise<boolean>): Promise<void> {
  const until = Date.now() + ms;
  while (!(await probe())) {
    if (Date.now() > until) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Cumulative buckets never decrease, +Inf equals the count (at least `minCount`), and the sum is in (0, maxSum). */
function expectSaneHistogram(samples: Sample[], name: string, labels: Record<string, string>, minCount: number, maxSum: number): void {
  expect(valueOf(samples, `${name}_count`, labels)).toBeGreaterThanOrEqual(minCount);
  const sum = valueOf(samples, `${name}_sum`, labels);
  expect(sum).toBeGreaterThan(0);
  expect(sum).toBeLessThan(maxSum);
  const buckets = series(samples, `${name}_bucket`, labels);
  expect(buckets.length).toBeGreaterThan(5);
  for (let i = 1; i < buckets.length; i++) expect(buckets[i]?.value).toBeGreaterThanOrEqual(buckets[i - 1]?.value ?? 0);
  expect(buckets.at(-1)?.labels.le).toBe('+Inf');
  expect(buckets.at(-1)?.value).toBe(valueOf(samples, `${name}_count`, labels));
}

describe('/metrics (issue 12) on real MariaDB + Redis, after requests and after jobs', () => {
  const config = testConfig('metrics', {
    API_KEYS: `${OPS}:read+jobs+ops,${READER}:read,${SCRAPER}:metrics`,
    WORKER_QUEUES: 'preprocess,segment',
    WORKER_SANDBOXED: 'false',
    SEGMENT_COUNT: '3',
  });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let rig: WorkerRig;
  let api: LocalApi;
  const opened: LocalApi[] = [];

  const scrape = async (on: LocalApi = api): Promise<Sample[]> => {
    const res = await request(on.app).get('/metrics').set('Authorization', `Bearer ${SCRAPER}`).expect(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return parseExposition(res.text);
  };

  beforeAll(async () => {
    env = await createTestDb(config);
    await insertPurchases(env.db, smallShop());
    await registerModel(
      env.db,
      {
        kind: 'champion',
        backend: 'cpu',
        params: {},
        dataWindow: {},
        metrics: { for_you: { ndcg_at_20: 0.25, recall_at_20: 0.4 }, intent: { auc: 0.71 }, train_seconds: 12, fallbacks: ['none'] },
        baselines: {},
        decision: 'test model',
        trainSeconds: 12,
        artifact: Buffer.from('x'),
      },
      true,
    );
    rig = startWorkerRig(config, env);
    api = await openLocalApi(config, { managedKeys: true });
    opened.push(api);
  });
  afterAll(async () => {
    for (const a of opened) await a.close();
    await rig.close(); // drops the database
  });

  it('needs a key with the metrics or ops scope', async () => {
    await request(api.app).get('/metrics').expect(401);
    const weak = await request(api.app).get('/metrics').set('X-API-Key', READER).expect(403);
    expect(weak.body.error.message).toMatch(/"metrics" or "ops" scope/);
    await request(api.app).get('/metrics').set('X-API-Key', OPS).expect(200);
    // The scrape-only key can do nothing else.
    await request(api.app).get('/v1/segments').set('X-API-Key', SCRAPER).expect(403);
  });

  it('counts requests by route pattern, method and status, never by raw URL', async () => {
    await request(api.app).get('/v1/segments').set('X-API-Key', READER).expect(200);
    await request(api.app).get('/v1/users/customer-9876/recommendations').set('X-API-Key', READER).expect(404);
    await request(api.app).get('/v1/no/such/route-5555').set('X-API-Key', READER).expect(404);
    const samples = await scrape();
    const ok = { method: 'GET', route: '/v1/segments', status_code: '200' };
    expectSaneHistogram(samples, 'shopintent_http_request_duration_seconds', ok, 1, 10);
    expect(valueOf(samples, 'shopintent_http_request_duration_seconds_count', { route: '/v1/users/:id/recommendations', status_code: '404' })).toBe(1);
    expect(valueOf(samples, 'shopintent_http_request_duration_seconds_count', { route: 'unmatched', status_code: '404' })).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(samples)).not.toMatch(/customer-9876|route-5555/);
  });

  it('shows queue depths (BullMQ export), job durations by type, the published run and the active model', async () => {
    const pre = await rig.queues.add('preprocess', {}, 'm1');
    await waitForJob(rig.queues.queueFor('preprocess'), pre);
    const seg = await rig.queues.add('segment', {}, 'm1');
    const { runId } = (await waitForJob(rig.queues.queueFor('segment'), seg)) as { runId: number };

    // The worker sends a duration as its job ends; the scrape may come a moment before.
    let samples: Sample[] = [];
    await eventually(5_000, async () => {
      samples = await scrape();
      return series(samples, 'shopintent_job_duration_seconds_count', { job: 'segment', outcome: 'completed' }).length === 1;
    });
    for (const job of ['preprocess', 'segment']) {
      const labels = { queue: job, job, outcome: 'completed' };
      expect(valueOf(samples, 'shopintent_job_duration_seconds_count', labels)).toBe(1);
      expectSaneHistogram(samples, 'shopintent_job_duration_seconds', labels, 1, 60);
    }

    expect(valueOf(samples, 'bullmq_job_count', { queue: 'segment', state: 'completed' })).toBe(1);
    expect(valueOf(samples, 'bullmq_job_count', { queue: 'segment', state: 'waiting' })).toBe(0);
    expect(valueOf(samples, 'bullmq_job_completed_total', { queue: 'preprocess' })).toBe(1);
    expect(series(samples, 'bullmq_job_count', { state: 'active' }).map((s) => s.labels.queue).sort()).toEqual([...ALL_QUEUES].sort());

    expect(valueOf(samples, 'shopintent_published_run_id', { kind: 'segments' })).toBe(runId);
    const age = valueOf(samples, 'shopintent_published_run_age_seconds', { kind: 'segments' });
    expect(age).toBeGreaterThanOrEqual(0);
    expect(age).toBeLessThan(60);
    expect(valueOf(samples, 'shopintent_published_run_users', { kind: 'segments' })).toBe(40);

    expect(valueOf(samples, 'shopintent_model_active_version', { kind: 'champion' })).toBe(1);
    expect(valueOf(samples, 'shopintent_model_active_metric', { kind: 'champion', version: '1', metric: 'for_you.ndcg_at_20' })).toBe(0.25);
    expect(valueOf(samples, 'shopintent_model_active_metric', { metric: 'intent.auc' })).toBe(0.71);
    expect(valueOf(samples, 'shopintent_model_active_metric', { metric: 'train_seconds' })).toBe(12);

    expect(valueOf(samples, 'shopintent_metrics_source_up', { source: 'mysql' })).toBe(1);
    expect(valueOf(samples, 'shopintent_metrics_source_up', { source: 'redis' })).toBe(1);
    expect(valueOf(samples, 'shopintent_api_keys_loaded', { source: 'env' })).toBe(3);
  });

  it('answers for every API process: a request served by one shows in a scrape of another', async () => {
    const other = await openLocalApi(config);
    opened.push(other);
    const labels = { method: 'GET', route: '/v1/models', status_code: '200' };
    await request(other.app).get('/v1/models').set('X-API-Key', READER).expect(200);
    // `other` sends its counts within 5 s of the request, with no scrape of its own.
    await eventually(8_000, async () => series(await scrape(api), 'shopintent_http_request_duration_seconds_count', labels).length === 1);
  });

  it('still answers when MySQL is down, saying which source is missing', async () => {
    const broken = await openLocalApi({ ...config, MYSQL_READONLY_URL: 'mysql://shopintent_ro:pw@127.0.0.1:1/none' });
    opened.push(broken);
    const samples = await scrape(broken);
    expect(valueOf(samples, 'shopintent_metrics_source_up', { source: 'mysql' })).toBe(0);
    expect(valueOf(samples, 'shopintent_metrics_source_up', { source: 'redis' })).toBe(1);
    expect(series(samples, 'shopintent_model_active_version')).toEqual([]);
    expect(series(samples, 'bullmq_job_count').length).toBeGreaterThan(0);
  });
});

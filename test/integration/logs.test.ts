import { copyFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { createLogger, memoryDestination } from '../../config/logger';
import { openQueues } from '../../jobs/client/queues';
import { createRedis } from '../../jobs/client/redis';
import { openLocalApi } from '../../scripts/lib/local-api';
import { startWorkerPool } from '../../workers/pool';
import { createTestDb, testConfig } from '../helpers/env';
import { waitForJob } from '../helpers/jobs';

const KEY = 'logs-ops-key-123456';

describe('structured logs of the API and the workers (issue 12)', () => {
  const config = testConfig('logs', { API_KEYS: `${KEY}:read+jobs+ops`, WORKER_QUEUES: 'ingest,segment', WORKER_SANDBOXED: 'false' });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let dir: string;

  beforeAll(async () => {
    env = await createTestDb(config);
    dir = await mkdtemp(path.join(tmpdir(), 'si-logs-'));
  });
  afterAll(async () => {
    await env.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('API: one line per request with time, request id, route pattern and status; failures carry the request id; no key anywhere', async () => {
    const api = await openLocalApi(config, { logLevel: 'info' });
    const broken = await openLocalApi({ ...config, MYSQL_READONLY_URL: 'mysql://shopintent_ro:hunter2-pw@127.0.0.1:1/none' }, { logLevel: 'info' });
    try {
      await request(api.app).get('/v1/users/c42/intent').set('X-API-Key', KEY).set('X-Request-Id', 'trace-abc-1').expect(404);
      const line = api.records.find((r) => r.requestId === 'trace-abc-1');
      expect(line).toMatchObject({ level: 'info', service: 'api', route: '/v1/users/:id/intent', res: { statusCode: 404 }, req: { method: 'GET', url: '/v1/users/c42/intent' }, msg: expect.stringMatching(/^GET \/v1\/users\/:id\/intent 404 \d+ ms$/) });
      expect(typeof line?.responseTime).toBe('number');
      expect(Date.parse(String(line?.time))).toBeGreaterThan(Date.now() - 60_000);

      const res = await request(broken.app).get('/v1/segments').set('X-API-Key', KEY).expect(503);
      const id = String(res.headers['x-request-id']);
      const lines = broken.records.filter((r) => r.requestId === id);
      // The failure itself, then the request's line, both at error level and both with the request id.
      expect(lines.map((r) => r.level)).toEqual(['error', 'error']);
      expect(lines[0]).toMatchObject({ error: { type: expect.any(String) }, msg: expect.stringMatching(/^GET \/v1\/segments failed: /) });
      expect(lines[1]).toMatchObject({ route: '/v1/segments', res: { statusCode: 503 } });
      const all = JSON.stringify([...api.records, ...broken.records]);
      expect(all).not.toContain(KEY);
      expect(all).not.toContain('hunter2-pw');
    } finally {
      await api.close();
      await broken.close();
    }
  });

  it('workers: every line of a job carries its id, type, queue and attempt; failures too', async () => {
    await copyFile(path.resolve(__dirname, '../fixtures/ingest/events-small.csv'), path.join(dir, 'events.csv'));
    const sink = memoryDestination();
    const pool = startWorkerPool({ ...config, UPLOAD_DIR: dir }, createLogger({ LOG_LEVEL: 'info' }, 'worker', sink));
    const connection = createRedis(config.REDIS_URL, 'worker');
    const queues = openQueues(config, connection);
    try {
      const ingest = await queues.add('ingest', { file: 'events.csv', dir: 'uploads', entity: 'events', mapping: 'generic' }, 'logs1');
      await waitForJob(queues.queueFor('ingest'), ingest);
      const jobLines = sink.records.filter((r) => r.jobId === ingest);
      expect(jobLines.length).toBeGreaterThanOrEqual(2);
      for (const r of jobLines) expect(r).toMatchObject({ service: 'worker', job: 'ingest', queue: 'ingest', attempt: 1, time: expect.any(String) });
      expect(jobLines.map((r) => r.msg).join('\n')).toMatch(/ingest batch \d+: .*accepted/);

      await queues.queueFor('segment').add('segment', { segments: 99 }, { jobId: 'segment-logs-bad' });
      await expect(waitForJob(queues.queueFor('segment'), 'segment-logs-bad')).rejects.toThrow(/segments/);
      const failed = sink.records.find((r) => r.jobId === 'segment-logs-bad' && r.level === 'warn');
      expect(failed).toMatchObject({ queue: 'segment', job: 'segment', msg: expect.stringMatching(/^job failed: /), err: { message: expect.stringMatching(/segments/) } });
      expect(sink.records.find((r) => /worker consuming/.test(String(r.msg)))).toMatchObject({ queues: ['ingest', 'segment'] });
    } finally {
      await pool.close();
      await Promise.all([...queues.byName.values()].map((q) => q.obliterate({ force: true })));
      await queues.close();
      connection.disconnect();
    }
  });
});

import { mkdir, mkdtemp, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Job, Worker } from 'bullmq';
import request from 'supertest';
import { createIngestBatch, getIngestBatch, listIngestBatches } from '../../../db/repositories/ingest-batches';
import { afterFinalFailure } from '../../../jobs/handlers/final-failure';
import { IngestInputError, resolveIngestFile } from '../../../ingest';
import { JobRuntime } from '../../../workers/runtime';
import { getJobStatus } from '../../../jobs/client/status';
import { startTestApi, type TestApi } from '../../helpers/api';
import { createTestDb, testConfig } from '../../helpers/env';
import { startWorkerRig, waitForJob, type WorkerRig } from '../../helpers/jobs';

const KEY = 'confine-key-123456';
const EVENTS = 'user_id,item_id,event_type,ts\nu1,i1,view,2024-01-01T00:00:00Z\nu2,i2,purchase,2024-01-02T00:00:00Z\n';

describe('ingest reads only files inside its directories (real MariaDB + Redis + sandboxed workers)', () => {
  let root: string;
  let uploads: string;
  let outside: string;
  let config: ReturnType<typeof testConfig>;
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let api: TestApi;
  let rig: WorkerRig;

  beforeAll(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'si-confine-'));
    uploads = path.join(root, 'uploads');
    outside = path.join(root, 'secret.csv');
    await mkdir(uploads);
    await writeFile(outside, 'SECRET_TOKEN=hunter2\n');
    config = testConfig('confine', { API_KEYS: `${KEY}:read+jobs+ops`, UPLOAD_DIR: uploads, REJECTS_DIR: path.join(root, 'rejects'), WORKER_QUEUES: 'ingest' });
    env = await createTestDb(config);
    api = await startTestApi(config);
    rig = startWorkerRig(config, env);
  });
  afterAll(async () => {
    await rig.close();
    await api.close();
    await rm(root, { recursive: true, force: true });
  });

  const post = (url: string, body: unknown): request.Test => request(api.app).post(url).set('X-API-Key', KEY).send(body as object);

  it('refuses a path, an absolute name or a name with .. at enqueue, naming the field', async () => {
    const environ = await post('/v1/jobs/ingest', { path: '/proc/self/environ', format: 'ndjson' }).expect(400);
    expect(environ.body.error.message).toMatch(/file/);
    for (const file of ['/etc/passwd', '../secret.csv', 'a/../../secret.csv', '.hidden', '']) {
      const res = await post('/v1/jobs/ingest', { file }).expect(400);
      expect(res.body.error.message).toMatch(/^invalid ingest payload: file: /);
    }
    const nightly = await post('/v1/pipelines/nightly', { withIngest: { path: '/proc/self/environ', mapping: 'generic' } }).expect(400);
    expect(nightly.body.error.message).toMatch(/withIngest/);
    await post('/v1/pipelines/nightly', { withIngest: { file: '../secret.csv', mapping: 'generic' } }).expect(400);
  });

  it('refuses an unknown mapping preset at enqueue (400), not in the worker later', async () => {
    const res = await post('/v1/jobs/ingest', { file: 'x.csv', mapping: 'nope' }).expect(400);
    expect(res.body.error.message).toMatch(/mapping/);
    await post('/v1/jobs/ingest', { file: 'x.csv', mapping: 'uci-online-retail', entity: 'items' }).expect(400);
    await request(api.app).post('/v1/ingest?mapping=nope').set('X-API-Key', KEY).send('a,b\n').expect(400);
  });

  it('resolves names after symlinks: a link out of the directory, a missing file and a directory are refused without saying where', async () => {
    await symlink(outside, path.join(uploads, 'link.csv'));
    await mkdir(path.join(uploads, 'adir'));
    const cases: [string, RegExp][] = [
      ['link.csv', /^file "link.csv" is not inside the uploads directory$/],
      ['missing.csv', /^no file "missing.csv" in the uploads directory$/],
      ['adir', /is not a regular file$/],
    ];
    for (const [file, message] of cases) {
      const err = (await resolveIngestFile(config, file, 'uploads').catch((e: unknown) => e)) as Error;
      expect(err).toBeInstanceOf(IngestInputError);
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain(root);
    }
    await expect(resolveIngestFile(config, 'x.csv', 'imports')).rejects.toThrow(/IMPORT_DIR/);
    // Even a job written straight into Redis (bypassing the API) cannot read through the link.
    await rig.queues.queueFor('ingest').add('ingest', { file: 'link.csv' }, { jobId: 'ingest-link', attempts: 3 });
    await expect(waitForJob(rig.queues.queueFor('ingest'), 'ingest-link')).rejects.toThrow(/not inside the uploads directory/);
    await rig.queues.queueFor('ingest').add('ingest', { path: '/proc/self/environ' }, { jobId: 'ingest-path', attempts: 3 });
    await expect(waitForJob(rig.queues.queueFor('ingest'), 'ingest-path')).rejects.toThrow(/invalid ingest payload/);
    for (const id of ['ingest-link', 'ingest-path']) expect((await Job.fromId(rig.queues.queueFor('ingest'), id))?.attemptsMade).toBe(1);
    expect(await listIngestBatches(env.db)).toEqual([]);
  });

  it('deletes an upload once ingested, and hides server paths from every answer', async () => {
    const up = await request(api.app).post('/v1/ingest?filename=ok.csv').set('X-API-Key', KEY).set('Content-Type', 'text/csv').send(EVENTS).expect(202);
    const result = (await waitForJob(rig.queues.queueFor('ingest'), up.body.id as string)) as { batchId: number; rowsAccepted: number };
    expect(result.rowsAccepted).toBe(2);
    await expect(stat(path.join(uploads, up.body.file as string))).rejects.toMatchObject({ code: 'ENOENT' });
    const batch = await request(api.app).get(`/v1/ingest/batches/${result.batchId}`).set('X-API-Key', KEY).expect(200);
    expect(batch.body).toMatchObject({ status: 'completed', source: `uploads/${up.body.file as string}` });
    const status = await request(api.app).get(`/v1/jobs/${up.body.id as string}`).set('X-API-Key', KEY).expect(200);
    expect(JSON.stringify([up.body, batch.body, status.body])).not.toContain(root);
  });

  it('fails a corrupt gzip once, for good: batch failed, upload deleted, the error short and clean', async () => {
    const up = await request(api.app).post('/v1/ingest?filename=bad.csv.gz').set('X-API-Key', KEY).set('Content-Type', 'application/gzip').send(Buffer.from([0x1f, 0x8b])).expect(202);
    await expect(waitForJob(rig.queues.queueFor('ingest'), up.body.id as string)).rejects.toThrow(/is not a valid gzip file/);
    expect((await Job.fromId(rig.queues.queueFor('ingest'), up.body.id as string))?.attemptsMade).toBe(1);
    const [batch] = await listIngestBatches(env.db, 1);
    expect(batch).toMatchObject({ status: 'failed', source: `uploads/${up.body.file as string}` });
    await expect(stat(path.join(uploads, up.body.file as string))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('bounds a job error built from a 5 MB header and never echoes its bytes', async () => {
    const header = `user_id,${'\u0001x'.repeat(2_500_000)}\n`;
    const up = await request(api.app).post('/v1/ingest?filename=huge.csv').set('X-API-Key', KEY).set('Content-Type', 'text/csv').send(header).expect(202);
    await expect(waitForJob(rig.queues.queueFor('ingest'), up.body.id as string)).rejects.toThrow(/longer than INGEST_MAX_LINE_CHARS/);
    const status = await request(api.app).get(`/v1/jobs/${up.body.id as string}`).set('X-API-Key', KEY).expect(200);
    expect(JSON.stringify(status.body).length).toBeLessThan(2000);
  });

  it('marks the batch of a job that failed for good without reaching its own error path (killed, stalled out) as failed', async () => {
    const batchId = await createIngestBatch(env.db, { entity: 'events', source: 'uploads/x.csv', format: 'csv', mapping: 'generic', resumeKey: 'ingest-killed' });
    await writeFile(path.join(uploads, 'x.csv'), EVENTS);
    const rt = new JobRuntime(config);
    try {
      await afterFinalFailure(rt, { id: 'ingest-killed', name: 'ingest', data: { file: 'x.csv' } }, 'job stalled more than allowable limit');
    } finally {
      await rt.close();
    }
    expect(await getIngestBatch(env.db, batchId)).toMatchObject({ status: 'failed', error: 'failed for good: job stalled more than allowable limit' });
    await expect(stat(path.join(uploads, 'x.csv'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('serves a reject report only from REJECTS_DIR, whatever the batch row says', async () => {
    const batchId = await createIngestBatch(env.db, { entity: 'events', source: 'uploads/y.csv', format: 'csv', mapping: 'generic', resumeKey: null });
    await env.db('ingest_batches').where({ batch_id: batchId }).update({ reject_report: '/etc/passwd' });
    await request(api.app).get(`/v1/ingest/batches/${batchId}/rejects`).set('X-API-Key', KEY).expect(404);
  });

  it('reports an active job whose worker died (lock lapsed) as stalled, not active', async () => {
    const queue = rig.queues.queueFor('preprocess');
    await queue.add('preprocess', {}, { jobId: 'preprocess-orphan' });
    // Take the job as a worker would, then lose the lock as a SIGKILLed worker does.
    const taker = new Worker('preprocess', null, { connection: { url: config.REDIS_URL }, prefix: config.QUEUE_PREFIX, lockDuration: 60_000 });
    try {
      const job = await taker.getNextJob('token-1');
      expect(job?.id).toBe('preprocess-orphan');
      expect((await getJobStatus(rig.queues, 'preprocess-orphan'))?.state).toBe('active');
      await (await queue.backend.client).del(queue.toKey('preprocess-orphan:lock'));
      expect((await getJobStatus(rig.queues, 'preprocess-orphan'))?.state).toBe('stalled');
    } finally {
      await taker.close();
    }
  });
});

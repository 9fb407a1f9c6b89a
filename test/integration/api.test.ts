import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import request from 'supertest';
import { publishRun, createRun, writeScoreShard, writeSegments } from '../../db/repositories/runs';
import { registerModel } from '../../db/repositories/models';
import { announcePublished } from '../../jobs/client/publish-notice';
import { waitUntil } from '../helpers/wait';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDb, testConfig } from '../helpers/env';

const OPS = 'ops-key-123456';
const READER = 'read-key-123456';

describe('API (real MariaDB + Redis)', () => {
  const uploadDir = path.join(tmpdir(), `si-upload-${process.pid}`);
  const config = testConfig('api', { API_KEYS: `${OPS}:read+jobs+ops,${READER}:read`, UPLOAD_DIR: uploadDir, UPLOAD_MAX_BYTES: '1000' });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let api: TestApi;

  beforeAll(async () => {
    env = await createTestDb(config);
    api = await startTestApi(config);
  });
  afterAll(async () => {
    await api.close();
    await env.drop();
  });

  it('answers health checks without a key and reports readiness of MySQL and Redis', async () => {
    await request(api.app).get('/healthz').expect(200, { status: 'ok' });
    const ready = await request(api.app).get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ready', mysql: 'ok', redis: 'ok' });
  });

  it('refuses requests without a valid key (401) or without the scope (403), with the error shape', async () => {
    const none = await request(api.app).get('/v1/segments').expect(401);
    expect(none.body.error.code).toBe('unauthorized');
    await request(api.app).get('/v1/segments').set('X-API-Key', 'wrong-key-000').expect(401);
    const weak = await request(api.app).post('/v1/jobs/train').set('X-API-Key', READER).send({}).expect(403);
    expect(weak.body.error).toEqual({ code: 'forbidden', message: expect.stringContaining('jobs') });
    await request(api.app).get('/v1/segments').set('Authorization', `Bearer ${READER}`).expect(200);
    // A client checks its key (and what it may do) without touching anything.
    const me = await request(api.app).get('/v1/whoami').set('X-API-Key', READER).expect(200);
    expect(me.body).toEqual({ keyId: expect.stringMatching(/^env:/) as string, name: expect.any(String) as string, scopes: ['read'] });
    expect(JSON.stringify(me.body)).not.toContain(READER);
    await request(api.app).get('/v1/whoami').expect(401);
  });

  it('enqueues a validated job and reports its state; names the bad field otherwise', async () => {
    const res = await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).send({ k: 10 }).expect(202);
    expect(res.body.id).toMatch(/^train-/);
    const status = await request(api.app).get(`/v1/jobs/${res.body.id as string}`).set('X-API-Key', READER).expect(200);
    expect(status.body).toMatchObject({ id: res.body.id, name: 'train', state: 'waiting', error: null });

    const bad = await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).send({ k: 'many' }).expect(400);
    expect(bad.body.error.message).toMatch(/k: /);
    await request(api.app).post('/v1/jobs/nonsense').set('X-API-Key', OPS).send({}).expect(404);
    const badJson = await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).set('Content-Type', 'application/json').send('{"k":').expect(400);
    expect(badJson.body.error.code).toBe('bad_json');
    await request(api.app).get('/v1/jobs/train-does-not-exist').set('X-API-Key', OPS).expect(404);
  });

  it('adds the nightly pipeline as one flow, steps in execution order', async () => {
    const res = await request(api.app).post('/v1/pipelines/nightly').set('X-API-Key', OPS).send({}).expect(202);
    expect((res.body.steps as string[]).map((s) => s.replace(/-[^-]+-[^-]+$/, ''))).toEqual(['preprocess', 'train', 'score-all-users', 'segment']);
    const root = await request(api.app).get(`/v1/jobs/${res.body.id as string}`).set('X-API-Key', OPS).expect(200);
    expect(root.body.state).toBe('waiting-children');
  });

  it('streams an upload to disk and enqueues its ingest; refuses oversize and empty bodies', async () => {
    const body = 'user_id,item_id,event_type,ts\nu1,i1,view,2024-01-01T00:00:00Z\n';
    const res = await request(api.app).post('/v1/ingest?mapping=generic&filename=events.csv').set('X-API-Key', OPS).set('Content-Type', 'text/csv').send(body).expect(202);
    expect(res.body.bytes).toBe(body.length);
    // The answer names the stored file, never a server path; the job names the same file in the upload directory.
    expect(res.body.path).toBeUndefined();
    expect(res.body.file).toMatch(/^[A-Za-z0-9_-][A-Za-z0-9_.-]*-events\.csv$/);
    expect(await readFile(path.join(uploadDir, res.body.file as string), 'utf8')).toBe(body);
    const job = await api.queues.queueFor('ingest').getJob(res.body.id as string);
    expect(job?.data).toMatchObject({ file: res.body.file, dir: 'uploads', mapping: 'generic', entity: 'events' });
    expect(job?.data).not.toHaveProperty('path');

    const big = await request(api.app).post('/v1/ingest?mapping=generic').set('X-API-Key', OPS).set('Content-Type', 'text/csv').send('x'.repeat(2000)).expect(413);
    expect(big.body.error.code).toBe('too_large');
    await request(api.app).post('/v1/ingest?mapping=generic').set('X-API-Key', OPS).expect(400);
    const custom = JSON.stringify({ name: 'acme', entity: 'events', columns: { user: 'customer', item: 'sku', time: 'when' }, eventType: { fixed: 'view' } });
    const withMapping = await request(api.app).post(`/v1/ingest?mapping=${encodeURIComponent(custom)}`).set('X-API-Key', OPS).send('customer,sku,when\n').expect(202);
    expect((await api.queues.queueFor('ingest').getJob(withMapping.body.id as string))?.data.mapping).toMatchObject({ name: 'acme' });
    const badMapping = await request(api.app).post(`/v1/ingest?mapping=${encodeURIComponent('{"name":"x"')}`).set('X-API-Key', OPS).send('a').expect(400);
    expect(badMapping.body.error.message).toMatch(/mapping/);
    const badEntity = await request(api.app).post('/v1/ingest?entity=orders').set('X-API-Key', OPS).send('a').expect(400);
    expect(badEntity.body.error.message).toMatch(/entity/);
  });

  it('serves only published runs, switching atomically when a new run is published and announced', async () => {
    await request(api.app).get('/v1/users/u1/recommendations').set('X-API-Key', READER).expect(404);
    const rec = (item: string) => ({ userId: 'u1', list: 'for-you' as const, rank: 1, itemId: item, score: 1, reason: 'bought-before', reasonItemId: null });
    const publish = async (runId: number): Promise<void> => {
      await publishRun(env.db, 'scores', runId, 1);
      await announcePublished(api.redis, config.QUEUE_PREFIX, 'scores', runId);
    };
    const servedItem = async (): Promise<string> => ((await request(api.app).get('/v1/users/u1/recommendations').set('X-API-Key', READER).expect(200)).body as { items: { itemId: string }[] }).items[0]!.itemId;
    const run1 = await createRun(env.db, 'scores', null, {});
    await writeScoreShard(env.db, run1, ['u1'], [rec('A')], [{ userId: 'u1', probability: 0.25, horizonDays: 30 }]);
    await request(api.app).get('/v1/users/u1/recommendations').set('X-API-Key', READER).expect(404); // written, not published
    await publish(run1);
    await waitUntil(async () => (await request(api.app).get('/v1/users/u1/recommendations').set('X-API-Key', READER)).status === 200);
    const first = await request(api.app).get('/v1/users/u1/recommendations?limit=5').set('X-API-Key', READER).expect(200);
    expect(first.body).toMatchObject({ runId: run1, list: 'for-you', coldStart: false, items: [{ rank: 1, itemId: 'A', reason: 'bought-before' }] });

    const run2 = await createRun(env.db, 'scores', null, {});
    await writeScoreShard(env.db, run2, ['u1'], [rec('B')], [{ userId: 'u1', probability: 0.75, horizonDays: 30 }]);
    expect(await servedItem()).toBe('A');
    await publish(run2);
    // The announcement reaches the API within milliseconds; until then the whole old run is served, never a mix.
    const seen = new Set<string>();
    await waitUntil(async () => {
      const item = await servedItem();
      seen.add(item);
      return item === 'B';
    });
    expect([...seen].every((i) => i === 'A' || i === 'B')).toBe(true);
    for (let i = 0; i < 5; i++) expect(await servedItem()).toBe('B');
    const intent = await request(api.app).get('/v1/users/u1/intent').set('X-API-Key', READER).expect(200);
    expect(intent.body).toMatchObject({ probability: 0.75, horizonDays: 30, runId: run2, coldStart: false });
    await request(api.app).get('/v1/users/u1/recommendations?list=sideways').set('X-API-Key', READER).expect(400);
  });

  it('pages segment members with a cursor', async () => {
    const run = await createRun(env.db, 'segments', null, {});
    const userIds = Array.from({ length: 25 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    await writeSegments(env.db, run, [{ segmentId: 'champions', label: 'Champions', description: 'd', size: 25, profile: {}, userIds }]);
    await publishRun(env.db, 'segments', run, 25);
    const list = await request(api.app).get('/v1/segments').set('X-API-Key', READER).expect(200);
    expect(list.body.segments).toEqual([expect.objectContaining({ segmentId: 'champions', size: 25, label: 'Champions' })]);
    const seen: string[] = [];
    let next: string | null = '/v1/segments/champions/members?limit=10';
    while (next) {
      const page: request.Response = await request(api.app).get(next).set('X-API-Key', READER).expect(200);
      seen.push(...(page.body.members as { userId: string }[]).map((m) => m.userId));
      next = page.body.next as string | null;
    }
    expect(seen).toEqual(userIds);
    await request(api.app).get('/v1/segments/nobody/members').set('X-API-Key', READER).expect(404);
  });

  it('lists models and refuses Bull Board without a key (read keys get it read-only)', async () => {
    await registerModel(env.db, { kind: 'champion', backend: 'wasm', params: {}, dataWindow: {}, metrics: { for_you: { ndcg_at_20: 0.3 } }, baselines: {}, decision: 'first', trainSeconds: 1, artifact: Buffer.from('x') }, true);
    const models = await request(api.app).get('/v1/models').set('X-API-Key', READER).expect(200);
    expect(models.body.models[0]).toMatchObject({ version: 1, status: 'active', artifactBytes: 1 });
    const denied = await request(api.app).get('/admin/queues').expect(401);
    expect(denied.headers['www-authenticate']).toMatch(/Basic/);
    await request(api.app).get('/admin/queues').auth('ops', READER).expect(200);
    const board = await request(api.app).get('/admin/queues').auth('ops', OPS).expect(200);
    expect(board.text).toMatch(/<html/i);
    const queues = await request(api.app).get('/admin/queues/api/queues').auth('ops', OPS).expect(200);
    expect((queues.body.queues as { name: string }[]).map((q) => q.name).sort()).toEqual(['control', 'ingest', 'preprocess', 'score-shard', 'segment', 'train']);
  });

  it('answers unknown routes with the error shape', async () => {
    const res = await request(api.app).get('/v1/nothing').set('X-API-Key', OPS).expect(404);
    expect(res.body.error.code).toBe('not_found');
  });
});

import request from 'supertest';
import { registerModel, type NewModel } from '../../db/repositories/models';
import { startWorkerPool, type WorkerPool } from '../../workers/pool';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDb, testConfig } from '../helpers/env';

const OPS = 'ops-key-models-1';
const READER = 'read-key-models-1';

const model = (ndcg: number): NewModel => ({
  kind: 'champion',
  backend: 'wasm',
  params: {},
  dataWindow: {},
  metrics: { for_you: { ndcg_at_20: ndcg } },
  baselines: {},
  decision: 'test',
  trainSeconds: 1,
  artifact: Buffer.from([1, 2, 3]),
});

describe('model registry: rollback and roll forward through the API and a worker', () => {
  const config = testConfig('models', { API_KEYS: `${OPS}:read+jobs+ops,${READER}:read`, WORKER_QUEUES: 'control' });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let api: TestApi;
  let pool: WorkerPool;

  beforeAll(async () => {
    env = await createTestDb(config);
    api = await startTestApi(config);
    pool = startWorkerPool(config);
  });
  afterAll(async () => {
    await pool.close();
    await api.close();
    await env.drop();
  });

  const statuses = async (): Promise<Record<number, string>> => {
    const res = await request(api.app).get('/v1/models').set('X-API-Key', READER).expect(200);
    return Object.fromEntries((res.body.models as { version: number; status: string }[]).map((m) => [m.version, m.status]));
  };

  it('keeps exactly one active version and switches it on request', async () => {
    await registerModel(env.db, model(0.3), true);
    await registerModel(env.db, model(0.2), false); // registered, not promoted
    expect(await statuses()).toEqual({ 1: 'active', 2: 'inactive' });

    const forward = await request(api.app).post('/v1/models/2/activate').set('X-API-Key', OPS).send({ reason: 'try v2' }).expect(200);
    expect(forward.body).toMatchObject({ version: 2, active: true });
    expect(await statuses()).toEqual({ 1: 'inactive', 2: 'active' });

    await request(api.app).post('/v1/models/1/activate').set('X-API-Key', OPS).send({}).expect(200);
    expect(await statuses()).toEqual({ 1: 'active', 2: 'inactive' });
    const models = await request(api.app).get('/v1/models').set('X-API-Key', READER).expect(200);
    const v1 = (models.body.models as { version: number; decision: string }[]).find((m) => m.version === 1);
    expect(v1?.decision).toBe('activated through the API');
  });

  it('answers 404 for an unknown version, 400 for a malformed one, 403 without the ops scope', async () => {
    const missing = await request(api.app).post('/v1/models/99/activate').set('X-API-Key', OPS).send({}).expect(404);
    expect(missing.body.error.message).toMatch(/99 does not exist/);
    await request(api.app).post('/v1/models/abc/activate').set('X-API-Key', OPS).send({}).expect(400);
    await request(api.app).post('/v1/models/1/activate').set('X-API-Key', READER).send({}).expect(403);
  });
});

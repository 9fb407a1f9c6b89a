import request from 'supertest';
import type { Queues } from '../../jobs/client/queues';
import { selectBackend } from '../../ml';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDb, testConfig } from '../helpers/env';
import { insertPurchases } from '../helpers/events';
import { startWorkerRig, waitForJob, type WorkerRig } from '../helpers/jobs';
import { buildTrainingStore } from '../helpers/store';

const KEY = 'intent-rule-ops-key';
const DAY = 86_400_000;

/** 30 customers who each buy every week, for 12 weeks: with a 7-day horizon everyone buys in every window. */
function everyoneEveryWeek(): { user: string; item: string; day: string }[] {
  const rows: { user: string; item: string; day: string }[] = [];
  const t0 = Date.UTC(2024, 0, 1);
  for (let u = 0; u < 30; u++) {
    for (let w = 0; w < 12; w++) {
      const day = new Date(t0 + (7 * w + (u % 7)) * DAY).toISOString().slice(0, 10);
      rows.push({ user: `c${u}`, item: `sku${(u + w) % 9}`, day }, { user: `c${u}`, item: `sku${u % 4}`, day });
    }
  }
  return rows;
}

interface TrainResult {
  version: number;
  warnings: string[];
  cutPoints: string[];
  forward: { judged_on: string; chosen_on: string[]; intent: { served: string; auc: number | null; holds: boolean | null } };
  intent: { served: string; kind: string; label: { state: string; degenerate: boolean } };
}

describe('a shop where everyone buys every week: the intent label is degenerate, and the scores say they are a rule', () => {
  const config = testConfig('intent_rule', { API_KEYS: `${KEY}:read+jobs+ops`, WORKER_QUEUES: 'train,control,score-shard', TOP_K: '5' });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let rig: WorkerRig;
  let queues: Queues;
  let api: TestApi;

  beforeAll(async () => {
    env = await createTestDb(config);
    await insertPurchases(env.db, everyoneEveryWeek());
    // Train and the shards read the training store, which preprocess builds from the events.
    await buildTrainingStore(env.db, config);
    rig = startWorkerRig(config, env);
    queues = rig.queues;
    api = await startTestApi(config);
    await selectBackend('wasm');
  }, 60_000);
  afterAll(async () => {
    await api.close();
    await rig.close();
  });

  it('train, the registry, GET /v1/models and GET /v1/users/:id/intent all mark the intent scores as a rule', async () => {
    const trained = (await waitForJob(queues.queueFor('train'), await queues.add('train', { horizonDays: 7, k: 5 }, 't1'), 300_000)) as TrainResult;
    expect(trained.intent).toMatchObject({ served: 'rule', kind: 'rule', label: { state: 'everyone', degenerate: true } });
    expect(trained.warnings).toEqual(expect.arrayContaining([expect.stringMatching(/intent label degenerate .*every customer bought in every window/)]));
    // Twelve weeks of history leave room for the three cuts of a 7-day horizon.
    expect(trained.cutPoints).toHaveLength(3);
    // The forward check: the two older cuts choose, the newest judges; everyone buys there, so intent AUC is unmeasured.
    expect(trained.forward).toMatchObject({ judged_on: trained.cutPoints[0], chosen_on: trained.cutPoints.slice(1), intent: { served: 'rule', auc: null, holds: null } });

    const models = await request(api.app).get('/v1/models').set('X-API-Key', KEY).expect(200);
    const model = (models.body.models as { version: number; metrics: { intent: { kind: string; served: string; label: { state: string }; note: string }; rolling: { forward: unknown } }; decision: string }[])
      .find((m) => m.version === trained.version)!;
    expect(model.metrics.rolling.forward).toEqual(trained.forward);
    expect(model.metrics.intent).toMatchObject({ kind: 'rule', served: 'rule', label: { state: 'everyone' } });
    expect(model.metrics.intent.note).toMatch(/not a learned model/);
    expect(model.decision).toMatch(/intent: rule/);

    await waitForJob(queues.queueFor('score-all-users'), await queues.add('score-all-users', { k: 5 }, 's1'), 120_000);
    const known = await request(api.app).get('/v1/users/c3/intent').set('X-API-Key', KEY).expect(200);
    expect(known.body).toMatchObject({ userId: 'c3', coldStart: false, intentKind: 'rule' });
    expect(known.body.probability).toBeGreaterThan(0);
    const unknown = await request(api.app).get('/v1/users/nobody/intent').set('X-API-Key', KEY).expect(200);
    expect(unknown.body).toMatchObject({ coldStart: true, intentKind: 'rule' });
  }, 420_000);
});

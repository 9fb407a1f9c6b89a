import { registerModel } from '../../db/repositories/models';
import { scoringModel } from '../../jobs/handlers/scoring-model';
import { fitChampion, selectBackend, serializeModel, type EventRecord } from '../../ml';
import { createTestDb, testConfig } from '../helpers/env';
import { smallShop } from '../helpers/events';

const events: EventRecord[] = smallShop().map((r) => ({
  userId: r.user, itemId: r.item, type: 'purchase', ts: Date.parse(`${r.day}T10:00:00Z`), quantity: 1, price: 2.5,
  query: null, dwellMs: null, sessionId: null,
}));

describe('scoringModel: a scoring process decodes each model version once (real MariaDB)', () => {
  let a: Awaited<ReturnType<typeof createTestDb>>;
  let b: Awaited<ReturnType<typeof createTestDb>>;
  let artifact: Buffer;

  beforeAll(async () => {
    [a, b] = await Promise.all([createTestDb(testConfig('model-cache-a')), createTestDb(testConfig('model-cache-b'))]);
    await selectBackend('wasm');
    artifact = serializeModel(await fitChampion(events, { asOf: Math.max(...events.map((e) => e.ts)) + 1, k: 5, horizonDays: 14 }));
  }, 60_000);
  afterAll(async () => {
    await a.drop();
    await b.drop();
  });

  const register = (db: typeof a.db): Promise<number> => registerModel(db, {
    kind: 'champion', backend: 'wasm', params: {}, dataWindow: {}, metrics: {}, baselines: {}, decision: 'test', trainSeconds: 1, artifact,
  }, true);

  it('reuses the decoded model for the same version, and decodes again for another version or another database', async () => {
    const v1 = await register(a.db);
    const first = await scoringModel(a.db, v1);
    expect(first.sources.itemIds.length).toBeGreaterThan(0);
    expect(await scoringModel(a.db, v1)).toBe(first);
    const v2 = await register(a.db);
    const second = await scoringModel(a.db, v2);
    expect(second).not.toBe(first);
    expect(second.sources.itemIds).toEqual(first.sources.itemIds);
    // Same version number in another database: a different artefact as far as the cache knows.
    const other = await register(b.db);
    expect(other).toBe(v1);
    expect(await scoringModel(b.db, other)).not.toBe(first);
    await expect(scoringModel(a.db, 999)).rejects.toThrow('model version 999 does not exist');
  }, 60_000);
});

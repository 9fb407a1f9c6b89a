import request from 'supertest';
import { createRun, publishRun, writeScoreShard, type RunItemRows } from '../../db/repositories/runs';
import { announcePublished } from '../../jobs/client/publish-notice';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDb, testConfig } from '../helpers/env';
import { waitUntil } from '../helpers/wait';

const KEY = 'serve-key-123456';

type Served = { items: { itemId: string; rank: number }[] };

describe('serving routes behind the cache (real MariaDB + Redis)', () => {
  const config = testConfig('serving', { API_KEYS: `${KEY}:read`, TOP_K: '5' });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let api: TestApi;
  let runId: number;
  const get = (url: string) => request(api.app).get(url).set('X-API-Key', KEY);

  const items = [
    { item_id: 'mug', title: 'Mug', category: 'Home > Kitchen > Mugs' },
    { item_id: 'pan', title: 'Pan', category: 'Home > Kitchen' },
    { item_id: 'lamp', title: 'Lamp', category: 'Home > Lighting' },
    { item_id: 'book', title: 'Book', category: 'Books' },
    { item_id: 'pen', title: 'Pen', category: 'Office' },
    { item_id: 'homely', title: 'Not home', category: 'Homeware' },
  ];
  const itemRows: RunItemRows = {
    similar: [
      { itemId: 'mug', rank: 1, similarItemId: 'pan', score: 1, reason: 'bought-with' },
      { itemId: 'mug', rank: 2, similarItemId: 'lamp', score: 0.5, reason: 'similar-interest' },
    ],
    lists: [
      { list: 'cold-start:for-you', rank: 1, itemId: 'book', score: 3, reason: 'trending' },
      { list: 'cold-start:for-you', rank: 2, itemId: 'pen', score: 2, reason: 'trending' },
      { list: 'cold-start:discover', rank: 1, itemId: 'lamp', score: 3, reason: 'trending' },
      ...['lamp', 'pan', 'homely', 'mug', 'book', 'pen'].map((itemId, i) => ({ list: 'popular', rank: i + 1, itemId, score: 10 - i, reason: 'popular-in-category' })),
    ],
    coldStartIntent: 0.04,
    intentKind: 'model',
  };

  beforeAll(async () => {
    env = await createTestDb(config);
    await env.db('items').insert(items.map((i) => ({ ...i, updated_at: '2024-01-01 00:00:00' })));
    api = await startTestApi(config);
    runId = await createRun(env.db, 'scores', 7, {});
    const recs = ['pen', 'mug', 'book'].map((itemId, i) => ({ userId: 'alice', list: 'for-you' as const, rank: i + 1, itemId, score: 3 - i, reason: 'bought-before', reasonItemId: null }));
    const bobs = [{ userId: 'bob', list: 'for-you' as const, rank: 1, itemId: 'lamp', score: 1, reason: 'bought-with', reasonItemId: 'mug' }];
    await writeScoreShard(env.db, runId, ['alice', 'bob'], [...recs, ...bobs], [
      { userId: 'alice', probability: 0.6, horizonDays: 30 }, { userId: 'bob', probability: 0.2, horizonDays: 30 },
    ], 0, itemRows);
    await publishRun(env.db, 'scores', runId, 2);
    await announcePublished(api.redis, config.QUEUE_PREFIX, 'scores', runId);
  });
  afterAll(async () => {
    await api.close();
    await env.drop();
  });

  it('serves a known customer their list; an unknown one the cold-start list, flagged', async () => {
    const alice = await get('/v1/users/alice/recommendations?limit=2').expect(200);
    expect(alice.body).toMatchObject({ userId: 'alice', coldStart: false, runId, modelVersion: 7, items: [{ rank: 1, itemId: 'pen', title: 'Pen', category: 'Office' }, { rank: 2, itemId: 'mug' }] });
    expect(alice.body.items).toHaveLength(2);
    const stranger = await get('/v1/users/stranger/recommendations').expect(200);
    expect(stranger.body).toMatchObject({ userId: 'stranger', coldStart: true, items: [{ itemId: 'book', reason: 'trending' }, { itemId: 'pen' }] });
    const discover = await get('/v1/users/stranger/recommendations?list=discover').expect(200);
    expect((discover.body as Served).items.map((i) => i.itemId)).toEqual(['lamp']);
  });

  it('filters by category path and fills from the category\'s popular items, never a look-alike category', async () => {
    const res = await get(`/v1/users/alice/recommendations?category=${encodeURIComponent('Home')}&limit=3`).expect(200);
    // Alice's own Home item first, then Home's popular items she was not shown; "Homeware" is not under "Home".
    expect((res.body as Served).items.map((i) => [i.rank, i.itemId])).toEqual([[1, 'mug'], [2, 'lamp'], [3, 'pan']]);
    expect(res.body.category).toBe('Home');
    const kitchen = await get(`/v1/users/stranger/recommendations?category=${encodeURIComponent('Home > Kitchen')}`).expect(200);
    expect((kitchen.body as Served).items.map((i) => i.itemId)).toEqual(['pan', 'mug']);
  });

  it('answers intent, with the run\'s base rate for a customer it never scored', async () => {
    expect((await get('/v1/users/alice/intent').expect(200)).body).toMatchObject({ probability: 0.6, horizonDays: 30, coldStart: false, intentKind: 'model', runId });
    expect((await get('/v1/users/nobody/intent').expect(200)).body).toMatchObject({ probability: 0.04, coldStart: true, intentKind: 'model' });
  });

  it('serves similar items; an unknown item is a 404, a known one without neighbours an empty list', async () => {
    const mug = await get('/v1/items/mug/similar').expect(200);
    expect(mug.body).toMatchObject({ itemId: 'mug', runId, items: [{ rank: 1, itemId: 'pan', reason: 'bought-with', reasonItemId: 'mug' }, { rank: 2, itemId: 'lamp' }] });
    expect((await get('/v1/items/pen/similar').expect(200)).body.items).toEqual([]);
    expect((await get('/v1/items/ghost/similar').expect(404)).body.error.message).toMatch(/unknown item "ghost"/);
  });

  it('reads up to 500 customers per batch call, and names the bad field otherwise', async () => {
    const batch = await request(api.app).post('/v1/recommendations:batchGet').set('X-API-Key', KEY).send({ userIds: ['bob', 'alice', 'ghost'], limit: 1 }).expect(200);
    expect(batch.body).toMatchObject({ runId, list: 'for-you', results: [
      { userId: 'bob', coldStart: false, items: [{ itemId: 'lamp', reasonItemId: 'mug' }] },
      { userId: 'alice', coldStart: false, items: [{ itemId: 'pen' }] },
      { userId: 'ghost', coldStart: true, items: [{ itemId: 'book' }] },
    ] });
    const tooMany = await request(api.app).post('/v1/recommendations:batchGet').set('X-API-Key', KEY).send({ userIds: Array.from({ length: 501 }, (_, i) => `u${i}`) }).expect(400);
    expect(tooMany.body.error.message).toMatch(/userIds/);
    const unknownField = await request(api.app).post('/v1/recommendations:batchGet').set('X-API-Key', KEY).send({ userIds: ['a'], lists: 'x' }).expect(400);
    expect(unknownField.body.error.message).toMatch(/lists/);
    await request(api.app).post('/v1/recommendations:batchGet').set('X-API-Key', KEY).set('Content-Type', 'text/plain').send('userIds=a').expect(415);
    expect((await get('/v1/users/alice/recommendations?limit=0').expect(400)).body.error.message).toMatch(/limit/);
    expect((await get(`/v1/users/${'x'.repeat(65)}/recommendations`).expect(400)).body.error.message).toMatch(/id/);
  });

  it('reads each published row from MySQL once, and switches to a new run warm: the hot keys in one batch, not one query per reader', async () => {
    let queries = 0;
    const count = (): void => void queries++;
    api.readDb.on('query', count);
    try {
      await get('/v1/users/alice/recommendations').expect(200);
      await get('/v1/users/bob/recommendations').expect(200);
      queries = 0;
      for (let i = 0; i < 20; i++) await get('/v1/users/alice/recommendations').expect(200);
      expect(queries).toBe(0);
      const next = await createRun(env.db, 'scores', 8, {});
      await writeScoreShard(env.db, next, ['alice', 'bob'], ['alice', 'bob'].map((userId) => ({ userId, list: 'for-you' as const, rank: 1, itemId: 'lamp', score: 1, reason: 'trending', reasonItemId: null })), [], 0, itemRows);
      await publishRun(env.db, 'scores', next, 1);
      queries = 0;
      await announcePublished(api.redis, config.QUEUE_PREFIX, 'scores', next);
      await waitUntil(async () => (await get('/v1/users/alice/recommendations')).body.runId === next);
      // The pointer, one batch per hot kind (for-you lists of alice and bob together, discover, intent), and one
      // read per cold-start list and per category filter the earlier tests used: 8, however many customers were hot.
      expect(queries).toBeLessThanOrEqual(8);
      queries = 0;
      const burst = await Promise.all(Array.from({ length: 50 }, (_, i) => get(`/v1/users/${i % 2 ? 'alice' : 'bob'}/recommendations`).expect(200)));
      expect(new Set(burst.map((r) => `${(r.body as { runId: number }).runId}:${(r.body as Served).items[0]!.itemId}`))).toEqual(new Set([`${next}:lamp`]));
      expect(queries).toBe(0);
      // A key nobody read before the publish is read once, however many ask at the same moment.
      await Promise.all(Array.from({ length: 20 }, () => get('/v1/users/carol/recommendations').expect(200)));
      expect(queries).toBe(1);
    } finally {
      api.readDb.off('query', count);
    }
  });
});

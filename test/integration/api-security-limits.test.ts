import request from 'supertest';
import type { Config } from '../../config';
import { openLocalApi, type LocalApi } from '../../scripts/lib/local-api';
import { createTestDb, testConfig } from '../helpers/env';

const OPS = 'lim-ops-key-123456';
const READER = 'lim-read-key-123456';
const OTHER = 'lim-other-key-123456';

let n = 0;
/** A config with its own counters (queue prefix) and the given limits; everything else generous. */
function limited(base: Readonly<Config>, limits: Partial<Config>): Readonly<Config> {
  n += 1;
  return {
    ...base,
    QUEUE_PREFIX: `${base.QUEUE_PREFIX}_${n}`,
    RATE_LIMIT_ADDRESS_PER_SECOND: 0,
    RATE_LIMIT_KEY_PER_SECOND: 0,
    RATE_LIMIT_ENQUEUE_PER_MINUTE: 0,
    RATE_LIMIT_AUTH_FAILURES: 0,
    ...limits,
  };
}

/** Sends `count` requests one after another; returns their statuses. */
async function statuses(count: number, send: () => request.Test): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < count; i += 1) out.push((await send()).status);
  return out;
}

describe('API rate limits (issue 8), shared through Redis', () => {
  const base = testConfig('api_limits', { API_KEYS: `${OPS}:read+jobs+ops,${READER}:read,${OTHER}:read` });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  const opened: LocalApi[] = [];
  const open = async (config: Readonly<Config>, opts?: { waitForRedis?: boolean }): Promise<LocalApi> => {
    const api = await openLocalApi(config, opts);
    opened.push(api);
    return api;
  };

  beforeAll(async () => {
    env = await createTestDb(base);
  });
  afterAll(async () => {
    for (const api of opened) await api.close();
    await env.drop();
  });

  it('has production defaults that allow thousands of reads per second per key', () => {
    expect(base.RATE_LIMIT_KEY_PER_SECOND).toBeGreaterThanOrEqual(1000);
    expect(base.RATE_LIMIT_ADDRESS_PER_SECOND).toBeGreaterThanOrEqual(1000);
    expect(base.RATE_LIMIT_AUTH_FAILURES).toBeGreaterThan(0);
    expect(base.RATE_LIMIT_AUTH_FAILURES).toBeLessThanOrEqual(20);
    expect(base.TRUST_PROXY).toBe(false);
  });

  it('limits requests per client address across API processes, with Retry-After; health checks are exempt', async () => {
    const config = limited(base, { RATE_LIMIT_ADDRESS_PER_SECOND: 6 });
    const [a, b] = [await open(config), await open(config)];
    // Two processes on one Redis: 4 + 4 requests against one budget of 6.
    const seen = [...(await statuses(4, () => request(a.app).get('/v1/jobs/none-1').set('X-API-Key', READER))), ...(await statuses(4, () => request(b.app).get('/v1/jobs/none-1').set('X-API-Key', READER)))];
    expect(seen.filter((s) => s === 404)).toHaveLength(6);
    expect(seen.slice(6)).toEqual([429, 429]);
    const refused = await request(a.app).get('/v1/jobs/none-1').expect(429);
    expect(refused.body).toEqual({ error: { code: 'rate_limited', message: expect.any(String) } });
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    await request(a.app).get('/healthz').expect(200);
    await request(b.app).get('/readyz').expect(200);
  });

  it('limits requests per API key, whatever the address', async () => {
    const config = limited(base, { RATE_LIMIT_KEY_PER_SECOND: 5, TRUST_PROXY: true });
    const api = await open(config);
    // Five addresses (trusted X-Forwarded-For), one key: the key's budget is what runs out.
    const seen = await statuses(7, () => request(api.app).get('/v1/jobs/none-2').set('X-Forwarded-For', `203.0.113.${n++}`).set('X-API-Key', READER));
    expect(seen).toEqual([404, 404, 404, 404, 404, 429, 429]);
    // Another key is unaffected.
    await request(api.app).get('/v1/jobs/none-2').set('X-API-Key', OTHER).expect(404);
  });

  it('throttles invalid keys per address before checking the key: brute force gets 3 guesses, then 429 even for a valid key', async () => {
    const config = limited(base, { RATE_LIMIT_AUTH_FAILURES: 3, RATE_LIMIT_AUTH_WINDOW_SECONDS: 600, TRUST_PROXY: 'loopback'.split(',') });
    const api = await open(config);
    const guess = (key: string, from: string): request.Test => request(api.app).get('/v1/jobs/none-3').set('X-Forwarded-For', from).set('X-API-Key', key);
    expect(await statuses(3, () => guess(`guess-${n++}-aaaaaaa`, '198.51.100.7'))).toEqual([401, 401, 401]);
    // Guesses arriving all at once are counted exactly: none of them gets a 401 any more.
    const burst = await Promise.all(Array.from({ length: 10 }, (_, i) => guess(`burst-${i}-aaaaaaaa`, '198.51.100.7')));
    expect(burst.map((r) => r.status)).toEqual(Array<number>(10).fill(429));
    const blocked = await guess(READER, '198.51.100.7').expect(429);
    expect(blocked.body.error.code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(500);
    // Board logins are throttled too, and other addresses are not affected.
    await request(api.app).get('/admin/queues').set('X-Forwarded-For', '198.51.100.7').auth('ops', OPS).expect(429);
    await guess(READER, '198.51.100.8').expect(404);
    // Missing keys are not guesses.
    await request(api.app).get('/v1/jobs/none-3').set('X-Forwarded-For', '198.51.100.9').expect(401);
    await request(api.app).get('/v1/jobs/none-3').set('X-Forwarded-For', '198.51.100.9').expect(401);
    await request(api.app).get('/v1/jobs/none-3').set('X-Forwarded-For', '198.51.100.9').expect(401);
    await guess(READER, '198.51.100.9').expect(404);
  });

  it('ignores X-Forwarded-For unless TRUST_PROXY says so (a client cannot pick its own address)', async () => {
    const config = limited(base, { RATE_LIMIT_ADDRESS_PER_SECOND: 3 });
    const api = await open(config);
    const seen = await statuses(5, () => request(api.app).get('/v1/jobs/none-4').set('X-Forwarded-For', `192.0.2.${n++}`).set('X-API-Key', READER));
    expect(seen).toEqual([404, 404, 404, 429, 429]);
  });

  it('gives enqueues their own per-key quota; reads go on', async () => {
    const config = limited(base, { RATE_LIMIT_ENQUEUE_PER_MINUTE: 2 });
    const api = await open(config);
    await request(api.app).post('/v1/jobs/segment').set('X-API-Key', OPS).send({}).expect(202);
    await request(api.app).post('/v1/pipelines/nightly').set('X-API-Key', OPS).expect(202);
    const over = await request(api.app).post('/v1/jobs/segment').set('X-API-Key', OPS).send({}).expect(429);
    expect(over.body.error).toEqual({ code: 'rate_limited', message: expect.stringMatching(/enqueues per minute/) });
    expect(Number(over.headers['retry-after'])).toBeGreaterThan(1);
    await request(api.app).post('/v1/ingest?mapping=generic').set('X-API-Key', OPS).send('a\n').expect(429);
    await request(api.app).post('/v1/models/1/activate').set('X-API-Key', OPS).expect(429);
    expect(await api.queues.queueFor('segment').count()).toBe(2);
    await request(api.app).get('/v1/segments').set('X-API-Key', OPS).expect(200);
  });

  it('keeps serving reads while Redis is down, limited per process in memory', async () => {
    const config = limited({ ...base, REDIS_URL: 'redis://127.0.0.1:1' }, { RATE_LIMIT_ADDRESS_PER_SECOND: 4, RATE_LIMIT_KEY_PER_SECOND: 100, RATE_LIMIT_AUTH_FAILURES: 5 });
    const api = await open(config, { waitForRedis: false });
    const seen = await statuses(6, () => request(api.app).get('/v1/segments').set('X-API-Key', READER));
    expect(seen).toEqual([200, 200, 200, 200, 429, 429]);
    await request(api.app).get('/readyz').expect(503);
  });
});

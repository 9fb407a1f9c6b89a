import request from 'supertest';
import { openLocalApi, type LocalApi } from '../../scripts/lib/local-api';
import { createTestDb, testConfig } from '../helpers/env';

const OPS = 'sec-ops-key-123456';
const READER = 'sec-read-key-123456';
const JOBS = 'sec-jobs-key-123456';


// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

const config = testConfig('api_sec', { API_KEYS: `${OPS}:read+jobs+ops,${READER}:read,${JOBS}:read+jobs` });
let env: Awaited<ReturnType<typeof createTestDb>>;
beforeAll(async () => {
  env = await createTestDb(config);
});
afterAll(async () => {
  await env.drop();
});

describe('API hardening (issue 8): hostile input', () => {
  let api: LocalApi;

  beforeAll(async () => {
    api = await openLocalApi(config);
  });
  afterAll(async () => {
    await api.close();
  });
  beforeEach(() => {
    api.logged.length = 0;
  });

  it('answers malformed percent-encoding with 400 bad_request and logs nothing', async () => {
    const res = await request(api.app).get('/v1/jobs/%ZZ').expect(400);
    expect(res.body).toEqual({ error: { code: 'bad_request', message: expect.stringMatching(/percent-encoding/) } });
    await request(api.app).get('/v1/jobs/%E0%A4%A').set('X-API-Key', READER).expect(400);
    await request(api.app).post('/v1/jobs/%ZZ').set('X-API-Key', OPS).send({}).expect(400);
    await request(api.app).get('/v1/users/%ZZ/recommendations').set('X-API-Key', READER).expect(400);
    expect(api.logged).toEqual([]);
  });

  it('maps body-parser errors to their 4xx with a stable code, unlogged', async () => {
    const charset = await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).set('Content-Type', 'application/json; charset=klingon').send('{}').expect(415);
    expect(charset.body.error.code).toBe('unsupported_media_type');
    const gzip = await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).set('Content-Type', 'application/json').set('Content-Encoding', 'br0tli').send('{}').expect(415);
    expect(gzip.body.error.code).toBe('unsupported_media_type');
    const big = await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).set('Content-Type', 'application/json').send(`{"a":"${'x'.repeat(1_100_000)}"}`).expect(413);
    expect(big.body.error.code).toBe('too_large');
    expect(api.logged).toEqual([]);
  });

  it('refuses a non-JSON body on JSON enqueue routes with 415 (it used to run the job with defaults)', async () => {
    const before = await api.queues.queueFor('train').count();
    const plain = await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).set('Content-Type', 'text/plain').send('k=5').expect(415);
    expect(plain.body.error).toEqual({ code: 'unsupported_media_type', message: expect.stringContaining('application/json') });
    const form = await request(api.app).post('/v1/pipelines/nightly').set('X-API-Key', OPS).type('form').send({ withIngest: 'x' }).expect(415);
    expect(form.body.error.code).toBe('unsupported_media_type');
    await request(api.app).post('/v1/models/1/activate').set('X-API-Key', OPS).set('Content-Type', 'text/plain').send('because').expect(415);
    // A body with no Content-Type at all is not JSON either.
    await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).set('Content-Type', '').send(Buffer.from('{"k":5}')).expect(415);
    expect(await api.queues.queueFor('train').count()).toBe(before);
    // No body (or an empty one) still means "defaults".
    await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).expect(202);
    await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).set('Content-Type', 'text/plain').set('Content-Length', '0').expect(202);
    await request(api.app).post('/v1/jobs/train').set('X-API-Key', OPS).send({ k: 5 }).expect(202);
    expect(await api.queues.queueFor('train').count()).toBe(before + 3);
  });

  it('bounds every error message and escapes control characters in it', async () => {
    const hostile = `\u001b[31m${'x'.repeat(3000)}\u0000\u2028end`;
    const job = await request(api.app).post(`/v1/jobs/${encodeURIComponent(hostile)}`).set('X-API-Key', OPS).send({}).expect(404);
    const status = await request(api.app).get(`/v1/jobs/${encodeURIComponent(hostile)}`).set('X-API-Key', OPS).expect(404);
    const route = await request(api.app).get(`/v1/${'y'.repeat(5000)}`).set('X-API-Key', OPS).expect(404);
    for (const res of [job, status, route]) {
      const message = res.body.error.message as string;
      expect(message.length).toBeLessThanOrEqual(500);
      expect(message).not.toMatch(CONTROL);
      expect(message).not.toMatch(/\u2028/);
    }
    expect(job.body.error.message).toMatch(/\\u001b\[31m/);
  });

  it('keeps a client request id only when it is short and plain', async () => {
    const plain = await request(api.app).get('/healthz').set('X-Request-Id', 'abc-123_4.5:6').expect(200);
    expect(plain.headers['x-request-id']).toBe('abc-123_4.5:6');
    for (const bad of ['<script>alert(1)</script>', 'a b', 'id"; drop', 'é-utf8', '%0d%0aSet-Cookie']) {
      const res = await request(api.app).get('/healthz').set('X-Request-Id', bad).expect(200);
      expect(res.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    }
    const long = await request(api.app).get('/healthz').set('X-Request-Id', 'z'.repeat(200)).expect(200);
    expect(long.headers['x-request-id']).toBe('z'.repeat(64));
  });

  it('readiness says only ok or down; the reason goes to the log, bounded', async () => {
    const ready = await request(api.app).get('/readyz').expect(200);
    expect(ready.body).toEqual({ status: 'ready', mysql: 'ok', redis: 'ok' });

    const broken = await openLocalApi({ ...config, MYSQL_READONLY_URL: 'mysql://shopintent_ro:secret-pw@127.0.0.1:1/hidden_db_name' });
    try {
      const res = await request(broken.app).get('/readyz').expect(503);
      expect(res.body).toEqual({ status: 'not ready', mysql: 'down', redis: 'ok' });
      expect(res.text).not.toMatch(/ECONNREFUSED|127\.0\.0\.1|knex|hidden_db_name/);
      expect(broken.logged).toHaveLength(1);
      expect(broken.logged[0]).toMatch(/readyz: not ready: mysql: /);
      expect((broken.logged[0] ?? '').length).toBeLessThanOrEqual(500);
      // The same failure probed again is not logged again at once.
      await request(broken.app).get('/readyz').expect(503);
      expect(broken.logged).toHaveLength(1);
    } finally {
      await broken.close();
    }
  });
});

describe('API hardening (issue 8): headers, CORS, cross-site requests, Bull Board', () => {
  let api: LocalApi;

  beforeAll(async () => {
    // Its own queue prefix, so the queue counts below are this block's own.
    api = await openLocalApi({ ...config, QUEUE_PREFIX: `${config.QUEUE_PREFIX}_web` });
  });
  afterAll(async () => {
    await api.close();
  });

  it('sends security headers with a deny-all CSP and no X-Powered-By', async () => {
    for (const res of [await request(api.app).get('/healthz'), await request(api.app).get('/v1/models'), await request(api.app).get('/v1/jobs/%ZZ')]) {
      expect(res.headers['x-powered-by']).toBeUndefined();
      expect(res.headers['content-security-policy']).toMatch(/default-src 'none'/);
      expect(res.headers['content-security-policy']).toMatch(/frame-ancestors 'none'/);
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['strict-transport-security']).toMatch(/max-age=/);
    }
  });

  it('sends no CORS headers by default, and only for configured origins when set', async () => {
    const none = await request(api.app).get('/healthz').set('Origin', 'https://shop.example').expect(200);
    expect(none.headers['access-control-allow-origin']).toBeUndefined();
    const preflightNone = await request(api.app).options('/v1/models').set('Origin', 'https://shop.example').set('Access-Control-Request-Method', 'GET');
    expect(preflightNone.headers['access-control-allow-origin']).toBeUndefined();

    const withCors = await openLocalApi({ ...config, CORS_ORIGINS: ['https://shop.example'] });
    try {
      const ok = await request(withCors.app).get('/v1/models').set('Origin', 'https://shop.example').set('X-API-Key', READER).expect(200);
      expect(ok.headers['access-control-allow-origin']).toBe('https://shop.example');
      const preflight = await request(withCors.app).options('/v1/jobs/train').set('Origin', 'https://shop.example').set('Access-Control-Request-Method', 'POST').expect(204);
      expect(preflight.headers['access-control-allow-headers']).toMatch(/X-API-Key/);
      const other = await request(withCors.app).get('/v1/models').set('Origin', 'https://evil.example').set('X-API-Key', READER).expect(200);
      expect(other.headers['access-control-allow-origin']).toBeUndefined();
      // A configured origin may post cross-origin; any other may not.
      await request(withCors.app).post('/v1/jobs/segment').set('Origin', 'https://shop.example').set('Sec-Fetch-Site', 'cross-site').set('X-API-Key', OPS).send({}).expect(202);
      await request(withCors.app).post('/v1/jobs/segment').set('Origin', 'https://evil.example').set('X-API-Key', OPS).send({}).expect(403);
    } finally {
      await withCors.close();
    }
  });

  it('refuses state-changing cross-site requests (403 cross_site), whatever the credentials', async () => {
    const before = await api.queues.queueFor('segment').count();
    const foreign = await request(api.app).post('/v1/jobs/segment').set('Origin', 'https://evil.example').set('X-API-Key', OPS).send({}).expect(403);
    expect(foreign.body.error.code).toBe('cross_site');
    await request(api.app).post('/v1/jobs/segment').set('Origin', 'null').auth('x', OPS).send({}).expect(403);
    await request(api.app).post('/v1/pipelines/nightly').set('Sec-Fetch-Site', 'cross-site').auth('x', OPS).send({}).expect(403);
    await request(api.app).post('/v1/ingest?mapping=generic').set('Sec-Fetch-Site', 'same-site').auth('x', OPS).send('a,b\n').expect(403);
    // A cross-site form post to Bull Board (Basic auth rides along in a browser).
    await request(api.app).put('/admin/queues/api/queues/segment/pause').set('Origin', 'https://evil.example').auth('x', OPS).expect(403);
    expect(await api.queues.queueFor('segment').isPaused()).toBe(false);
    expect(await api.queues.queueFor('segment').count()).toBe(before);

    // Same origin (what the board's own page sends), and clients without Origin, are fine; so are cross-site reads.
    await request(api.app).post('/v1/jobs/segment').set('Host', 'api.shop.example:8443').set('Origin', 'https://api.shop.example:8443').set('Sec-Fetch-Site', 'same-origin').set('X-API-Key', OPS).send({}).expect(202);
    await request(api.app).post('/v1/jobs/segment').set('Host', 'api.shop.example:8443').set('Origin', 'https://api.shop.example').set('X-API-Key', OPS).send({}).expect(403);
    await request(api.app).post('/v1/jobs/segment').set('X-API-Key', OPS).send({}).expect(202);
    expect(await api.queues.queueFor('segment').count()).toBe(before + 2);
    await request(api.app).get('/v1/models').set('Origin', 'https://evil.example').set('Sec-Fetch-Site', 'cross-site').set('X-API-Key', READER).expect(200);
  });

  it('Bull Board: read keys get a read-only board, ops keys a writable one; its CSP lets the page load', async () => {
    await request(api.app).get('/admin/queues').expect(401);
    const page = await request(api.app).get('/admin/queues').auth('reader', READER).expect(200);
    expect(page.headers['x-powered-by']).toBeUndefined();
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe/);
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline' https:\/\/fonts\.googleapis\.com/);
    expect(csp).toMatch(/frame-ancestors 'none'/);
    // Everything the page loads is allowed by that policy: scripts from its own origin only (the inline one is JSON
    // data, which CSP does not run), styles from itself or Google Fonts.
    const scripts = [...page.text.matchAll(/<script([^>]*)>/g)].map((m) => m[1] ?? '');
    expect(scripts.length).toBeGreaterThan(1);
    for (const attrs of scripts) expect(attrs).toMatch(/src="static\/|type="application\/json"/);
    const links = [...page.text.matchAll(/<link[^>]*href="([^"]+)"/g)].map((m) => m[1] ?? '');
    for (const href of links) expect(href).toMatch(/^static\/|^https:\/\/fonts\.googleapis\.com\//);
    const firstScript = /<script[^>]*src="(static\/[^"]+)"/.exec(page.text)?.[1];
    const asset = await request(api.app).get(`/admin/queues/${String(firstScript)}`).auth('reader', READER).expect(200);
    expect(asset.headers['content-type']).toMatch(/javascript/);

    const listed = await request(api.app).get('/admin/queues/api/queues').auth('reader', READER).expect(200);
    expect((listed.body.queues as { readOnlyMode: boolean }[]).every((q) => q.readOnlyMode)).toBe(true);
    const refused = await request(api.app).put('/admin/queues/api/queues/train/pause').auth('reader', READER);
    expect(refused.status).toBe(405);
    expect(await api.queues.queueFor('train').isPaused()).toBe(false);

    const opsListed = await request(api.app).get('/admin/queues/api/queues').auth('ops', OPS).expect(200);
    expect((opsListed.body.queues as { readOnlyMode: boolean }[]).some((q) => q.readOnlyMode)).toBe(false);
    await request(api.app).put('/admin/queues/api/queues/train/pause').auth('ops', OPS).expect(200);
    expect(await api.queues.queueFor('train').isPaused()).toBe(true);
    await request(api.app).put('/admin/queues/api/queues/train/resume').auth('ops', OPS).expect(200);
    expect(await api.queues.queueFor('train').isPaused()).toBe(false);
    // A wrong key gets the browser's login prompt again.
    const wrong = await request(api.app).get('/admin/queues').auth('ops', 'not-a-key-000').expect(401);
    expect(wrong.headers['www-authenticate']).toMatch(/Basic/);
  });
});

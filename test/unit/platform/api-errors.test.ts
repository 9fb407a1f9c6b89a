import express, { type Express } from 'express';
import request from 'supertest';
import { ApiError, errorHandler, requestId } from '../../../api/errors';
import { addressKey } from '../../../api/rate-limits';
import { safeText } from '../../../api/text';
import { loadConfig } from '../../../config';
import { createLogger, memoryDestination, type LogRecord } from '../../../config/logger';

// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** What http-errors builds (express's own 4xx errors): a status, and `expose` for statuses below 500. */
const createError = (status: number, message = `status ${status}`): Error => Object.assign(new Error(message), { status, statusCode: status, expose: status < 500 });

/** A bare app whose one route throws `err`, behind the API's request id and error mapper. */
function throwing(err: unknown): { app: Express; logged: LogRecord[] } {
  const sink = memoryDestination();
  const logged = sink.records;
  const app = express();
  app.use(requestId);
  app.get('/boom', () => {
    throw err;
  });
  app.use(errorHandler(createLogger({ LOG_LEVEL: 'info' }, 'api', sink)));
  return { app, logged };
}

describe('API error mapping (issue 8)', () => {
  it('logs a real failure as one bounded line with the request id, and shows a generic 500', async () => {
    const err = new Error(`db said:\n${'secret detail '.repeat(200)}\u001b[2J`);
    const { app, logged } = throwing(err);
    const res = await request(app).get('/boom').set('X-Request-Id', 'req-42').expect(500);
    expect(res.body).toEqual({ error: { code: 'internal', message: 'internal error (request id req-42)' } });
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ level: 'error', requestId: 'req-42', error: { type: 'Error' } });
    expect(JSON.stringify(logged[0]).length).toBeLessThanOrEqual(2000);
    const line = logged[0]?.msg ?? '';
    expect(line).toMatch(/^GET \/boom failed: Error: db said:/);
    expect(line).not.toMatch(/\n/);
    expect(line).not.toMatch(CONTROL);
    expect(line.length).toBeLessThanOrEqual(800);
  });

  it('maps errors that carry a 4xx to that status with a stable code, without logging', async () => {
    const cases: [unknown, number, string][] = [
      [createError(404, 'no such thing'), 404, 'not_found'],
      [createError(405), 405, 'method_not_allowed'],
      [createError(414), 414, 'uri_too_long'],
      [createError(418), 418, 'client_error'],
      [Object.assign(new URIError('URI malformed'), { status: 400 }), 400, 'bad_request'],
      [{ type: 'charset.unsupported', status: 415, message: 'unsupported charset "X"' }, 415, 'unsupported_media_type'],
      [{ type: 'request.aborted', status: 400 }, 400, 'aborted'],
    ];
    for (const [err, status, code] of cases) {
      const { app, logged } = throwing(err);
      const res = await request(app).get('/boom').expect(status);
      expect(res.body.error.code).toBe(code);
      expect(logged).toEqual([]);
    }
  });

  it('exposes a 4xx message only when the error says so, and then escaped and bounded', async () => {
    const shown = throwing(createError(400, `bad thing \u0007${'z'.repeat(2000)}`));
    const res = await request(shown.app).get('/boom').expect(400);
    expect(res.body.error.message).toMatch(/^bad thing \\u0007z/);
    expect((res.body.error.message as string).length).toBeLessThanOrEqual(500);
    const hidden = throwing(Object.assign(new Error('/srv/secret/path exploded'), { status: 409, expose: false }));
    const res2 = await request(hidden.app).get('/boom').expect(409);
    expect(res2.body.error).toEqual({ code: 'conflict', message: 'conflict' });
  });

  it('treats a 5xx-carrying error as a real failure (logged, generic)', async () => {
    const { app, logged } = throwing(createError(502, 'upstream said /internal/host'));
    const res = await request(app).get('/boom').expect(500);
    expect(res.body.error.code).toBe('internal');
    expect(res.text).not.toMatch(/internal\/host/);
    expect(logged).toHaveLength(1);
  });

  it('escapes and bounds ApiError messages too', async () => {
    const { app } = throwing(new ApiError(404, 'not_found', `no job "${'\u0000'.repeat(3)}${'q'.repeat(1000)}"`));
    const res = await request(app).get('/boom').expect(404);
    expect(res.body.error.message).toMatch(/^no job "\\u0000\\u0000\\u0000q/);
    expect((res.body.error.message as string).length).toBeLessThanOrEqual(500);
  });
});

describe('safeText', () => {
  it('escapes controls, separators, bidi overrides, replacement characters and lone surrogates; keeps other text', () => {
    expect(safeText('a\nb\tc\u0000\u007f\u0085')).toBe('a\\u000ab\\u0009c\\u0000\\u007f\\u0085');
    expect(safeText('x\u2028y\u202ez\ufffd')).toBe('x\\u2028y\\u202ez\\ufffd');
    expect(safeText('lone \ud800 high')).toBe('lone \\ud800 high');
    expect(safeText('Zoë 東京 🛒')).toBe('Zoë 東京 🛒');
  });

  it('cuts long text to the bound without splitting an escape or a surrogate pair', () => {
    const cut = safeText(`${'a'.repeat(498)}\u0001\u0001`, 500);
    expect(cut.length).toBeLessThanOrEqual(500);
    expect(cut).toMatch(/^a{498}…$/);
    const emoji = safeText('🛒'.repeat(400), 500);
    expect(emoji.length).toBeLessThanOrEqual(500);
    expect(emoji).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
    expect(safeText('x'.repeat(10_000_000), 500)).toHaveLength(500);
  });
});

describe('rate-limit address keys', () => {
  it('counts IPv4 (also IPv4-mapped) by address and IPv6 by its /64', () => {
    expect(addressKey('203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('::ffff:203.0.113.9')).toBe('203.0.113.9');
    expect(addressKey('2001:db8:1:2:aaaa::1')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:0db8:0001:0002:ffff:ffff:ffff:ffff')).toBe('2001:db8:1:2::/64');
    expect(addressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey(undefined)).toBe('unknown');
    expect(addressKey('not-an-ip')).toBe('unknown');
  });
});

describe('API hardening settings', () => {
  it('defaults: no proxy trusted, no CORS origins, limits on', () => {
    const c = loadConfig({});
    expect(c.TRUST_PROXY).toBe(false);
    expect(c.CORS_ORIGINS).toEqual([]);
    expect(c.RATE_LIMIT_KEY_PER_SECOND).toBe(5000);
    expect(c.RATE_LIMIT_ADDRESS_PER_SECOND).toBe(2000);
    expect(c.RATE_LIMIT_ENQUEUE_PER_MINUTE).toBe(120);
    expect(c.RATE_LIMIT_AUTH_FAILURES).toBe(10);
    expect(c.RATE_LIMIT_AUTH_WINDOW_SECONDS).toBe(900);
  });

  it('parses TRUST_PROXY as Express takes it, and CORS_ORIGINS as exact origins', () => {
    expect(loadConfig({ TRUST_PROXY: 'true' }).TRUST_PROXY).toBe(true);
    expect(loadConfig({ TRUST_PROXY: '2' }).TRUST_PROXY).toBe(2);
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8, fd00::/8' }).TRUST_PROXY).toEqual(['loopback', '10.0.0.0/8', 'fd00::/8']);
    expect(loadConfig({ CORS_ORIGINS: 'https://shop.example, http://localhost:5173' }).CORS_ORIGINS).toEqual(['https://shop.example', 'http://localhost:5173']);
    expect(loadConfig({ RATE_LIMIT_ADDRESS_PER_SECOND: '0' }).RATE_LIMIT_ADDRESS_PER_SECOND).toBe(0);
  });

  it('refuses bad values, naming the key', () => {
    for (const [key, value] of [
      ['TRUST_PROXY', 'the load balancer'],
      ['CORS_ORIGINS', 'https://shop.example/'],
      ['CORS_ORIGINS', '*'],
      ['RATE_LIMIT_KEY_PER_SECOND', '-1'],
      ['RATE_LIMIT_AUTH_WINDOW_SECONDS', '0'],
    ] as const) {
      expect(() => loadConfig({ [key]: value })).toThrow(new RegExp(key));
    }
  });
});

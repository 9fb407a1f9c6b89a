import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { shortenRuns } from './ingest-cases';

/**
 * Generated HTTP requests against every route of the API: the route's own method mostly (so validation is
 * reached), with hostile path parameters (unicode, malformed %-escapes, `..`, very long), query strings
 * (duplicates, arrays, prototype keys, huge), API keys (missing, valid, invalid, huge), content types and
 * encodings, and bodies (random and deeply nested JSON, huge numbers, wrong types, `__proto__`, binary,
 * truncated, empty). Requests are pure data; api-check.ts sends and judges them.
 */

/** The API keys the fuzzed API is configured with (config API_KEYS). */
export const FUZZ_KEYS = { ops: 'fuzz-ops-key-0001', read: 'fuzz-read-key-0001', jobs: 'fuzz-jobs-key-0001' } as const;
export const FUZZ_API_KEYS = `${FUZZ_KEYS.ops}:read+jobs+ops,${FUZZ_KEYS.read}:read,${FUZZ_KEYS.jobs}:jobs`;

export interface FuzzRequest {
  /** which route template it was built from */
  route: string;
  method: string;
  /** request target as sent: characters 0x21–0xFF only (bytes above 0x7F go out raw) */
  path: string;
  headers: [string, string][];
  body: Buffer | null;
  /** send the body chunked (no Content-Length), in pieces */
  chunked: boolean;
  /** Node's HTTP parser may refuse it before the app sees it (an empty 400/414/431 is then fine) */
  parserMayRefuse: boolean;
}

const utf8AsLatin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');
/** Raw text as a request target may carry it: bytes below 0x21 (space, controls) %-escaped, the rest as they are. */
// eslint-disable-next-line no-control-regex -- escaping control characters is the point
const rawTarget = (s: string): string => utf8AsLatin1(s).replace(/[\u0000-\u0020\u007f]/g, (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0').toUpperCase()}`);

const HOSTILE_SEGMENTS = [
  '%ZZ', '%', '%E0%A4%A', '%00', '%2F', '%2e%2e', '..', '.', '%C0%AF', '%ED%A0%80', '%FF', '%uD800', '%25', '%2525ZZ', '%0A', '%0D%0A',
  '0', '-1', '1e3', '99999999999999999999', '0x10', '1.5', 'NaN', 'Infinity', '00001', '2147483648', '1', '2', '%20%201', '+1',
  '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'null', 'undefined', 'train-x', 'ingest-', 'score-all-users-1',
  'segment-..%2F..%2Fx', 'activate-model-1', 'nightly-pipeline-1', 'train-%00', 'a:b', '*', '%2A', 'train-\u00ff',
];

/** One path segment: plausible ids, numbers, %-encoded or raw unicode, malformed escapes, very long. */
export const segment: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9-]{1,12}$/) },
  { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_SEGMENTS) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 8 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 8 }).map(rawTarget) },
  { weight: 1, arbitrary: fc.integer({ min: 65, max: 6000 }).map((n) => 'a'.repeat(n)) },
  { weight: 1, arbitrary: fc.constant('') },
);

const JOB_TYPES = ['ingest', 'preprocess', 'train', 'score-all-users', 'segment', 'score-shard', 'activate-model', 'nightly-pipeline', 'Train', 'train%20', 'train%00'];

const KEYS = [
  'file', 'dir', 'path', 'entity', 'mapping', 'format', 'delimiter', 'k', 'horizonDays', 'excludedItemIds', 'modelVersion', 'segments', 'asOf',
  'withIngest', 'reason', 'version', '__proto__', 'constructor', 'prototype', 'name', 'columns', 'eventType', 'time', 'user', '', '💥', 'x'.repeat(300),
];

const SCALARS = [
  '1e400', '-1e400', '123456789012345678901234567890', '-0', '0', '1', '10', '30', '365', '366', '200', '201', '12', '13', '-1', '1.5', '2.0',
  'true', 'false', 'null', '""', '"generic"', '"uci-online-retail"', '"uploads"', '"imports"', '"events"', '"items"', '"users"', '"csv"', '"ndjson"',
  '"tab"', '",,"', '"x.csv"', '"../../etc/passwd"', '"/etc/passwd"', '"uploads/../x"', '"2024-01-01"', '"2024-02-30"', '"2024-01-01T00:00:00Z"',
  '"\\u0000"', '"\\ud800"', '"\\u202e"', '"NaN"', '"__proto__"', '{"polluted":"yes"}', '{"prototype":{"polluted":"yes"}}',
  '{"name":"m","entity":"events","columns":{"user":"u","time":"t"},"eventType":{"fixed":"view"}}',
  '{"name":"m","entity":"events","columns":{"user":"u","time":"t","__proto__":"x"},"eventType":{"values":{"__proto__":"view"}}}',
];

const deepJson = fc.constantFrom(100, 10000).chain((d) => fc.constantFrom(`${'['.repeat(d)}${']'.repeat(d)}`, `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`));

/** JSON text (not always valid: raw huge numbers are valid JSON but not valid numbers for JavaScript). */
const { value: jsonText } = fc.letrec<{ value: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    { weight: 4, arbitrary: fc.constantFrom(...SCALARS) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)) },
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }).map((s) => JSON.stringify(s)) },
    { weight: 1, arbitrary: deepJson },
    { weight: 2, arbitrary: tie('object') },
    { weight: 1, arbitrary: fc.array(tie('value'), { maxLength: 4 }).map((a) => `[${a.join(',')}]`) },
  ),
  object: fc.array(fc.tuple(fc.constantFrom(...KEYS), tie('value')), { maxLength: 5 }).map((es) => `{${es.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`),
}));

/** Bodies sent with `Content-Encoding: gzip`: a small payload, and bombs that inflate far past the 1 MB body limit. */
const GZIPPED = new WeakSet<Buffer>();
const gz = (b: Buffer): Buffer => {
  const z = gzipSync(b);
  GZIPPED.add(z);
  return z;
};
const gzipBodies = [gz(Buffer.from('{"k":10}')), gz(Buffer.alloc(20 << 20, 0x20)), gz(Buffer.from(`{"reason":"${'r'.repeat(4 << 20)}"}`)), gz(Buffer.from(`${'['.repeat(100000)}${']'.repeat(100000)}`))];

/** A JSON request body: mostly an object with the payload keys, else any JSON, truncated JSON, binary, empty. */
const jsonBody: fc.Arbitrary<Buffer | null> = fc.oneof(
  { weight: 10, arbitrary: fc.array(fc.tuple(fc.constantFrom(...KEYS), jsonText), { maxLength: 5 }).map((es) => Buffer.from(`{${es.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(',')}}`)) },
  { weight: 2, arbitrary: jsonText.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: deepJson.map((t) => Buffer.from(t)) },
  { weight: 1, arbitrary: fc.tuple(jsonText, fc.double({ min: 0, max: 1, noNaN: true })).map(([t, cut]) => Buffer.from(t.slice(0, Math.floor(t.length * cut)))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 64 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(0), null, Buffer.from('{'), Buffer.from('{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}}}')) },
  { weight: 1, arbitrary: fc.constantFrom(1 << 20, (1 << 20) + 10).map((n) => Buffer.from(`{"reason":"${'r'.repeat(n)}"}`)) },
  { weight: 1, arbitrary: fc.constantFrom(...gzipBodies) },
);

/** An upload body: a small CSV or NDJSON, gzip, random bytes, empty, or over the configured upload limit. */
const uploadBody: fc.Arbitrary<Buffer | null> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('user_id,item_id,event_type,ts\nu1,i1,view,2024-03-01T10:00:00Z\n', '{"user_id":"u","item_id":"i","event_type":"view","ts":1709290000}\n').map((s) => Buffer.from(s)) },
  { weight: 1, arbitrary: fc.constant(gzipSync('user_id,item_id,event_type,ts\nu1,i1,view,2024-03-01T10:00:00Z\n')) },
  { weight: 2, arbitrary: fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)) },
  { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(0), null, Buffer.alloc(70 * 1024, 'a')) },
);

const queryValue = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('for-you', 'discover', '10', '0', '-1', '101', '1e3', '99999999999999999999', 'NaN', '', 'generic', 'uci-online-retail', 'events', 'items', 'users', 'csv', 'ndjson', 'tab', ',', ';;', 'up.csv', '../../x', '..', '%ZZ', '%', '%00', '__proto__') },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 12 }) },
  { weight: 1, arbitrary: fc.constantFrom(...SCALARS) },
  { weight: 1, arbitrary: fc.integer({ min: 100, max: 4000 }).map((n) => 'v'.repeat(n)) },
);

const queryKey = (known: readonly string[]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 6, arbitrary: known.length > 0 ? fc.constantFrom(...known) : fc.constant('x') },
    { weight: 2, arbitrary: fc.constantFrom('__proto__', 'constructor', 'limit[]', 'after[a]', 'mapping[x]', 'list[0]', 'a[b][c][d]', 'toString', '') },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 6 }) },
  );

/** A query string: pairs (duplicates allowed), each %-encoded or sent raw, sometimes hundreds of them. */
function queryString(known: readonly string[]): fc.Arbitrary<string> {
  const pair = fc.tuple(queryKey(known), queryValue, fc.integer({ min: 0, max: 9 })).map(([k, v, raw]) => (raw === 0 ? `${rawTarget(k)}=${rawTarget(v)}` : `${encodeURIComponent(k)}=${encodeURIComponent(v)}`));
  return fc.oneof(
    { weight: 8, arbitrary: fc.array(pair, { maxLength: 5 }).map((ps) => (ps.length === 0 ? '' : `?${ps.join('&')}`)) },
    { weight: 1, arbitrary: fc.integer({ min: 200, max: 1500 }).map((n) => `?${Array.from({ length: n }, (_, i) => `limit=${i}`).join('&')}`) },
    { weight: 1, arbitrary: fc.constantFrom('?', '?&&&', '?=', '?==x', '?%ZZ=1', '?limit=%ZZ', '?a=%', '#frag', '?list=for-you#x') },
  );
}

interface Route {
  name: string;
  method: string;
  path: (seg: string, extra: string) => string;
  query: readonly string[];
  body: 'json' | 'upload' | 'none';
  /** arbitrary for the path parameter where a plain segment is too blunt */
  seg?: fc.Arbitrary<string>;
}

const BOARD_TAILS = ['', '/', '/api/queues', '/api/queues?activeQueue=ingest&status=latest&page=1', '/api/redis/stats', '/static/nope.js', '/queue/ingest', '/api/queues/ingest/x/retry/failed', '/api/queues/ingest/clean/completed', '/api/queues/%ZZ/pause'];

/** Every route of api/ (routers in api/routes, the board, health checks) and a catch-all for unknown paths. */
export const ROUTES: readonly Route[] = [
  { name: 'healthz', method: 'GET', path: () => '/healthz', query: [], body: 'none' },
  { name: 'readyz', method: 'GET', path: () => '/readyz', query: [], body: 'none' },
  { name: 'recommendations', method: 'GET', path: (s) => `/v1/users/${s}/recommendations`, query: ['list', 'limit'], body: 'none' },
  { name: 'intent', method: 'GET', path: (s) => `/v1/users/${s}/intent`, query: [], body: 'none' },
  { name: 'segments', method: 'GET', path: () => '/v1/segments', query: [], body: 'none' },
  { name: 'members', method: 'GET', path: (s) => `/v1/segments/${s}/members`, query: ['limit', 'cursor'], body: 'none' },
  { name: 'segment', method: 'GET', path: (s) => `/v1/segments/${s}`, query: [], body: 'none' },
  { name: 'lifecycle', method: 'GET', path: (s) => `/v1/customers/${s}/lifecycle`, query: [], body: 'none' },
  { name: 'audiences', method: 'GET', path: () => '/v1/audiences', query: [], body: 'none' },
  { name: 'audience-members', method: 'GET', path: (s) => `/v1/audiences/${s}/members`, query: ['limit', 'cursor'], body: 'none' },
  { name: 'campaigns', method: 'GET', path: () => '/v1/campaigns', query: [], body: 'none' },
  { name: 'campaign-export', method: 'GET', path: (s) => `/v1/campaigns/${s}/export.csv`, query: [], body: 'none' },
  { name: 'models', method: 'GET', path: () => '/v1/models', query: [], body: 'none' },
  { name: 'activate', method: 'POST', path: (s) => `/v1/models/${s}/activate`, query: [], body: 'json' },
  { name: 'enqueue', method: 'POST', path: (s) => `/v1/jobs/${s}`, query: [], body: 'json', seg: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...JOB_TYPES) }, { weight: 1, arbitrary: segment }) },
  { name: 'job', method: 'GET', path: (s) => `/v1/jobs/${s}`, query: [], body: 'none' },
  { name: 'nightly', method: 'POST', path: () => '/v1/pipelines/nightly', query: [], body: 'json' },
  { name: 'upload', method: 'POST', path: () => '/v1/ingest', query: ['mapping', 'entity', 'filename', 'format', 'delimiter'], body: 'upload' },
  { name: 'batch', method: 'GET', path: (s) => `/v1/ingest/batches/${s}`, query: [], body: 'none', seg: fc.oneof({ weight: 1, arbitrary: fc.constant('1') }, { weight: 3, arbitrary: segment }) },
  { name: 'rejects', method: 'GET', path: (s) => `/v1/ingest/batches/${s}/rejects`, query: [], body: 'none', seg: fc.oneof({ weight: 1, arbitrary: fc.constant('1') }, { weight: 3, arbitrary: segment }) },
  { name: 'board', method: 'GET', path: (_s, extra) => `/admin/queues${extra}`, query: [], body: 'none' },
  { name: 'unknown', method: 'GET', path: (s, extra) => `/${s}${extra}`, query: [], body: 'none' },
];

const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD'];

const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-7', 'application/json; charset=latin1',
  'application/json;;;=', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/octet-stream',
  'text/csv', 'application/x-ndjson', 'application/gzip', '*/*', 'application/vnd.api+json', `application/json; x=${'y'.repeat(2000)}`, 'jsonn',
];

/** How the request authenticates: no key, each key in each place, wrong keys, a huge one, broken Basic. */
const auth: fc.Arbitrary<[string, string][]> = fc.oneof(
  { weight: 1, arbitrary: fc.constant<[string, string][]>([]) },
  { weight: 6, arbitrary: fc.constant<[string, string][]>([['X-API-Key', FUZZ_KEYS.ops]]) },
  { weight: 2, arbitrary: fc.constant<[string, string][]>([['X-API-Key', FUZZ_KEYS.read]]) },
  { weight: 1, arbitrary: fc.constant<[string, string][]>([['X-API-Key', FUZZ_KEYS.jobs]]) },
  { weight: 1, arbitrary: fc.constant<[string, string][]>([['Authorization', `Bearer ${FUZZ_KEYS.ops}`]]) },
  { weight: 1, arbitrary: fc.constant<[string, string][]>([['Authorization', `Basic ${Buffer.from(`x:${FUZZ_KEYS.ops}`).toString('base64')}`]]) },
  {
    weight: 2,
    arbitrary: fc.constantFrom<[string, string][]>(
      [['X-API-Key', 'wrong-key-000']],
      [['X-API-Key', '']],
      [['X-API-Key', 'k'.repeat(8000)]],
      [['X-API-Key', utf8AsLatin1('ключ-ключ-ключ')]],
      [['Authorization', 'Bearer ']],
      [['Authorization', 'Basic %%%not-base64']],
      [['Authorization', `Basic ${Buffer.from(':').toString('base64')}`]],
      [['Authorization', `Basic ${Buffer.from([0xff, 0xfe, 0x3a, 0x00]).toString('base64')}`]],
      [['Authorization', 'Digest x']],
      [['X-API-Key', FUZZ_KEYS.ops], ['Authorization', 'Bearer wrong']],
    ),
  },
);

const extraHeaders: fc.Arbitrary<[string, string][]> = fc.array(
  fc.oneof(
    fc.constantFrom<[string, string]>(
      ['X-Request-Id', 'abc-123'],
      ['X-Request-Id', 'r'.repeat(500)],
      ['X-Request-Id', utf8AsLatin1('ид\u202e')],
      ['Accept', 'text/html'],
      ['Accept', 'application/xml'],
      ['Origin', 'https://evil.example'],
      ['Sec-Fetch-Site', 'cross-site'],
      ['X-Forwarded-For', '1.2.3.4, ::1, not-an-ip'],
      ['Content-Encoding', 'gzip'],
      ['Content-Encoding', 'deflate'],
      ['Content-Encoding', 'br'],
      ['Content-Encoding', 'foo'],
      ['Content-Encoding', 'identity'],
      ['Accept-Encoding', 'gzip'],
      ['Range', 'bytes=0-1'],
      ['If-None-Match', '*'],
      ['Expect', '100-continue-not'],
    ),
    fc.tuple(fc.constantFrom('X-Fuzz', 'Cookie', 'User-Agent', 'Referer'), fc.string({ unit: 'grapheme-ascii', maxLength: 40 })),
  ),
  { maxLength: 2 },
);

/** A whole request for one route (method mostly the route's own). */
export const fuzzRequest: fc.Arbitrary<FuzzRequest> = fc.constantFrom(...ROUTES).chain((r) =>
  fc
    .record({
      method: fc.oneof({ weight: 9, arbitrary: fc.constant(r.method) }, { weight: 1, arbitrary: fc.constantFrom(...METHODS) }),
      seg: r.seg ?? segment,
      extra: r.name === 'board' ? fc.constantFrom(...BOARD_TAILS) : fc.oneof({ weight: 4, arbitrary: fc.constant('') }, { weight: 1, arbitrary: fc.constantFrom('/', '//', '/..', '/%2e%2e/%2e%2e/etc/passwd', '/x/y/z') }),
      query: queryString(r.query),
      auth,
      contentType: fc.oneof(
        { weight: r.body === 'json' ? 8 : 1, arbitrary: fc.constant('application/json') },
        { weight: 1, arbitrary: fc.constant(null) },
        { weight: 3, arbitrary: fc.constantFrom(...CONTENT_TYPES) },
      ),
      extra2: extraHeaders,
      chunked: fc.oneof({ weight: 7, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
      body: r.body === 'json' ? jsonBody : r.body === 'upload' ? uploadBody : fc.oneof({ weight: 6, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: jsonBody }),
    })
    .map(({ method, seg, extra, query, auth: a, contentType, extra2, chunked, body }) => {
      const headers: [string, string][] = [...a, ...extra2];
      if (body !== null && GZIPPED.has(body) && !headers.some(([k]) => k === 'Content-Encoding')) headers.push(['Content-Encoding', 'gzip']);
      if (contentType !== null && body !== null) headers.push(['Content-Type', r.body === 'upload' && contentType === 'application/json' ? 'application/octet-stream' : contentType]);
      const path = `${r.path(seg, extra)}${query}`;
      const headerBytes = headers.reduce((n, [k, v]) => n + k.length + v.length + 4, 0);
      const req: FuzzRequest = {
        route: r.name,
        method,
        path,
        headers,
        body: method === 'GET' || method === 'HEAD' ? null : body,
        chunked,
        // Node refuses request heads over 16 KiB (431), and some raw bytes in a target (400), before any app code.
        parserMayRefuse: path.length + headerBytes > 12000 || /[\u0080-\u00ff]/.test(path),
      };
      Object.defineProperty(req, fc.toStringMethod, { value: () => describeRequest(req), enumerable: false });
      return req;
    }),
);

/** One line for a failure report: method, target (long runs shortened), headers, body head. */
export function describeRequest(r: FuzzRequest): string {
  const short = (s: string): string => shortenRuns(s).slice(0, 400);
  const body = r.body === null ? 'none' : `${r.body.length} bytes ${JSON.stringify(short(r.body.toString('latin1')))}`;
  return `${r.method} ${JSON.stringify(short(r.path))} headers=${JSON.stringify(r.headers.map(([k, v]) => [k, short(v)]))} body=${body}${r.chunked ? ' (chunked)' : ''}`;
}

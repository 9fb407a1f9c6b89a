import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import Ajv2020 from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import request from 'supertest';
import { mountedRoutes } from '../../api/openapi/routes';
import { registerModel } from '../../db/repositories/models';
import { createRun, publishRun, writeScoreShard, writeSegments } from '../../db/repositories/runs';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDb, testConfig } from '../helpers/env';

/**
 * The published contract against the real app: every route the app serves (read from its router stack) is in
 * GET /v1/openapi.json and every documented operation is served; the document is valid OpenAPI 3.1; every
 * example validates against its schema; and real answers match the documented schema of their status.
 */

const OPS = 'ops-key-contract-1';
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace'] as const;
const VALIDATOR = path.join(__dirname, '../../node_modules/@seriousme/openapi-schema-validator/bin/validate-api-cli.js');

type Json = Record<string, unknown>;
interface Operation {
  method: string;
  path: string;
  op: Json & { parameters?: (Json & { name: string; in: string; schema?: Json; example?: unknown })[]; responses: Record<string, Json> };
}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function operations(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [p, item] of Object.entries(doc.paths as Record<string, Json>)) {
    for (const m of METHODS) if (isObject(item[m])) out.push({ method: m, path: p, op: item[m] as Operation['op'] });
  }
  return out;
}

/** A concrete URL for a documented path: each {param} filled with its example (or "x"). */
function urlFor(o: Operation): string {
  return o.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const p = o.op.parameters?.find((q) => q.in === 'path' && q.name === name);
    const example = p?.example ?? p?.schema?.example;
    return encodeURIComponent(typeof example === 'string' || typeof example === 'number' ? String(example) : 'x');
  });
}

describe('the OpenAPI contract (real app, MariaDB + Redis)', () => {
  const config = testConfig('openapi', { API_KEYS: `${OPS}:read+jobs+ops` });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let api: TestApi;
  let doc: Json;
  const ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  /** Errors of `value` against a schema of the document (its $refs resolved in the document's components). */
  const check = (schema: unknown, value: unknown): string | null => {
    const validate = ajv.compile({ $ref: '#/$defs/target', $defs: { target: schema }, components: doc.components });
    return validate(value) ? null : ajv.errorsText(validate.errors);
  };

  beforeAll(async () => {
    env = await createTestDb(config);
    api = await startTestApi(config);
    // Published data under the documented example ids, so that GETs answer 200 and their bodies are checked.
    const scores = await createRun(env.db, 'scores', null, {});
    await writeScoreShard(env.db, scores, ['17850'], [{ userId: '17850', list: 'for-you', rank: 1, itemId: '85123A', score: 0.9, reason: 'bought-before', reasonItemId: null }], [{ userId: '17850', probability: 0.6, horizonDays: 30 }]);
    await publishRun(env.db, 'scores', scores, 1);
    const segments = await createRun(env.db, 'segments', null, {});
    await writeSegments(env.db, segments, [{ segmentId: 'champions', label: 'Champions', description: 'd', size: 2, profile: { recencyDays: 3 }, userIds: ['17850', '17851'] }]);
    await publishRun(env.db, 'segments', segments, 2);
    await registerModel(env.db, { kind: 'champion', backend: 'wasm', params: {}, dataWindow: {}, metrics: {}, baselines: {}, decision: 'first', trainSeconds: 1, artifact: Buffer.from('x') }, true);
    doc = (await request(api.app).get('/v1/openapi.json').expect(200).expect('Content-Type', /json/)).body as Json;
  });
  afterAll(async () => {
    await api.close();
    await env.drop();
  });

  it('is served without a key and is valid OpenAPI 3.1 (checked by @seriousme/openapi-schema-validator)', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const dir = await mkdtemp(path.join(tmpdir(), 'si-openapi-'));
    try {
      const file = path.join(dir, 'openapi.json');
      await writeFile(file, JSON.stringify(doc));
      const { stdout } = await promisify(execFile)(process.execPath, [VALIDATOR, file]).catch((err: Error & { stdout?: string }) => ({ stdout: err.stdout ?? err.message }));
      expect(JSON.parse(stdout)).toEqual({ valid: true });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('documents every route the app serves, and serves every documented operation', () => {
    const served = mountedRoutes(api.app);
    expect(served.length).toBeGreaterThan(10);
    const ops = operations(doc);
    const undocumented = served.filter((r) => !ops.some((o) => (o.method === r.method || r.method === '_all') && r.matches(urlFor(o))));
    // A route listed here needs a spec in its router file (see README, "API": contractRouter).
    expect(undocumented.map((r) => `${r.method.toUpperCase()} ${r.pattern}`)).toEqual([]);
    const unserved = ops.filter((o) => !served.some((r) => (r.method === o.method || r.method === '_all') && r.matches(urlFor(o))));
    expect(unserved.map((o) => `${o.method.toUpperCase()} ${o.path}`)).toEqual([]);
  });

  it('gives every operation a summary, a success answer with a schema, and examples for its JSON bodies', () => {
    const problems: string[] = [];
    for (const o of operations(doc)) {
      const name = `${o.method.toUpperCase()} ${o.path}`;
      if (!o.op.summary) problems.push(`${name}: no summary`);
      const success = Object.keys(o.op.responses).filter((s) => /^2\d\d$/.test(s));
      if (success.length === 0) problems.push(`${name}: no 2xx answer`);
      const bodies: [string, Json | undefined][] = [
        ...Object.entries(o.op.responses).map(([s, r]): [string, Json | undefined] => [`answer ${s}`, (r.content as Record<string, Json> | undefined)?.['application/json']]),
        ['request body', ((o.op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined)?.['application/json']],
      ];
      for (const [what, media] of bodies) {
        if (media && (!media.schema || media.example === undefined)) problems.push(`${name}: ${what} has no schema or no example`);
      }
    }
    expect(problems).toEqual([]);
  });

  it('has every example valid against its schema', () => {
    const failures: string[] = [];
    let checked = 0;
    const visit = (node: unknown, where: string): void => {
      if (Array.isArray(node)) {
        node.forEach((n, i) => visit(n, `${where}/${i}`));
        return;
      }
      if (!isObject(node)) return;
      // A media type or parameter: its example against its schema. A schema: its own example(s) against itself.
      const target = isObject(node.schema) ? node.schema : ('type' in node || '$ref' in node || 'anyOf' in node || 'properties' in node ? node : null);
      if (target) {
        const examples = [
          ...('example' in node ? [node.example] : []),
          ...(Array.isArray(node.examples) ? node.examples : isObject(node.examples) ? Object.values(node.examples).map((e) => (e as Json).value) : []),
        ];
        for (const example of examples) {
          checked++;
          const error = check(target, example);
          if (error) failures.push(`${where}: ${error}`);
        }
      }
      for (const [k, v] of Object.entries(node)) if (k !== 'example' && k !== 'examples') visit(v, `${where}/${k}`);
    };
    visit(doc.paths, '#/paths');
    visit(doc.components, '#/components');
    expect(failures).toEqual([]);
    expect(checked).toBeGreaterThan(20);
  });

  it('answers every documented GET (with its example parameters) as documented', async () => {
    const mismatches: string[] = [];
    for (const o of operations(doc).filter((x) => x.method === 'get')) {
      const url = urlFor(o);
      const res = await request(api.app).get(url).set('X-API-Key', OPS);
      const documented = o.op.responses[String(res.status)];
      if (!documented) {
        mismatches.push(`GET ${url}: status ${res.status} is not documented`);
        continue;
      }
      const content = (documented.content ?? {}) as Record<string, Json>;
      const type = String(res.headers['content-type'] ?? '').split(';')[0] ?? '';
      if (Object.keys(content).length > 0 && !(type in content)) mismatches.push(`GET ${url}: ${type} is not a documented type`);
      if (type === 'application/json') {
        const error = check(content['application/json']?.schema, res.body);
        if (error) mismatches.push(`GET ${url} ${res.status}: ${error}`);
      }
    }
    expect(mismatches).toEqual([]);
  });

  it('answers the documented enqueue examples with the documented 202 body', async () => {
    const enqueues = operations(doc).filter((o) => o.method === 'post' && (o.path.startsWith('/v1/jobs/') || o.path === '/v1/pipelines/nightly'));
    expect(enqueues.length).toBeGreaterThan(3);
    for (const o of enqueues) {
      const body = (o.op.requestBody as { content: Record<string, Json> }).content['application/json']?.example;
      const res = await request(api.app).post(o.path).set('X-API-Key', OPS).send(body as object);
      expect({ path: o.path, status: res.status }).toEqual({ path: o.path, status: 202 });
      expect(check((o.op.responses['202']?.content as Record<string, Json>)['application/json']?.schema, res.body)).toBeNull();
    }
    const csv = await request(api.app).post('/v1/ingest?mapping=generic&filename=events.csv').set('X-API-Key', OPS).set('Content-Type', 'text/csv').send('user_id,item_id,event_type,ts\n');
    expect(csv.status).toBe(202);
    const ingest = operations(doc).find((o) => o.method === 'post' && o.path === '/v1/ingest');
    expect(check((ingest?.op.responses['202']?.content as Record<string, Json>)['application/json']?.schema, csv.body)).toBeNull();
  });

  it('serves the browsable page from node_modules under a CSP that allows only this origin', async () => {
    const page = await request(api.app).get('/v1/docs').expect(200).expect('Content-Type', /html/);
    const csp = String(page.headers['content-security-policy']);
    expect(csp).toMatch(/script-src 'self'(;|$)/);
    expect(csp).not.toMatch(/unsafe-eval|https?:/);
    const scripts = [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(scripts).toEqual(['/v1/docs/swagger-ui.css', '/v1/docs/swagger-ui-bundle.js', '/v1/docs/docs.js']);
    for (const s of scripts) await request(api.app).get(s).expect(200);
    expect((await request(api.app).get('/v1/docs/docs.js')).text).toContain("url: '/v1/openapi.json'");
    await request(api.app).get('/v1/docs/index.html').expect(404);
    await request(api.app).get('/v1/docs/..%2Fpackage.json').expect(404);
  });
});

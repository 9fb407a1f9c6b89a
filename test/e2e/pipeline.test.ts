import { createReadStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGunzip, gzipSync } from 'node:zlib';
import { createInterface } from 'node:readline';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import request from 'supertest';
import { startWorkerPool, type WorkerPool } from '../../workers/pool';
import { startTestApi, type TestApi } from '../helpers/api';
import { launchChromium } from '../helpers/browser';
import { createTestDb, testConfig } from '../helpers/env';

const UCI = path.resolve(__dirname, '../../data/online-retail/online-retail.csv.gz');
const KEY = 'e2e-ops-key-1';
const UCI_NON_PRODUCTS = 'POST,DOT,M,BANK CHARGES,AMAZONFEE,C2,CRUK,D,PADS,B,S';

/** The first `lines` invoice lines of the shipped file (plus its header), gzipped like a shop's export. */
async function uciSlice(lines: number): Promise<Buffer> {
  const out: string[] = [];
  const rl = createInterface({ input: createReadStream(UCI).pipe(createGunzip()), crlfDelay: Infinity });
  for await (const line of rl) {
    out.push(line);
    if (out.length > lines) break;
  }
  rl.close();
  return gzipSync(`${out.join('\n')}\n`);
}

type Res = request.Response;

describe('end to end: upload → ingest → nightly pipeline → served lists and segments', () => {
  let dir: string;
  const config = testConfig('e2e', { API_KEYS: `${KEY}:read+jobs+ops`, EXCLUDED_ITEM_IDS: UCI_NON_PRODUCTS, SCORE_SHARD_USERS: '400' });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let api: TestApi;
  let pool: WorkerPool;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'si-e2e-'));
    env = await createTestDb(config);
    // API and workers share the upload directory, as in production (the job names a file in it, never a path).
    api = await startTestApi({ ...config, UPLOAD_DIR: dir });
    pool = startWorkerPool({ ...config, UPLOAD_DIR: dir });
  });
  afterAll(async () => {
    await pool.close();
    await api.close();
    await env.drop();
    await rm(dir, { recursive: true, force: true });
  });

  const get = (url: string): request.Test => request(api.app).get(url).set('X-API-Key', KEY);
  async function finished(id: string, ms: number): Promise<Res> {
    const until = Date.now() + ms;
    for (;;) {
      const res = await get(`/v1/jobs/${id}`).expect(200);
      if (res.body.state === 'completed') return res;
      if (res.body.state === 'failed') throw new Error(`${id} failed: ${String(res.body.error)}`);
      if (Date.now() > until) throw new Error(`${id} still ${String(res.body.state)} after ${ms} ms`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }

  it('serves recommendations, intent and segments computed from a slice of the real data', async () => {
    const slice = await uciSlice(60_000);
    const upload = await request(api.app)
      .post('/v1/ingest?mapping=uci-online-retail&filename=uci-slice.csv.gz')
      .set('X-API-Key', KEY)
      .set('Content-Type', 'application/gzip')
      .send(slice)
      .expect(202);
    const ingest = await finished(upload.body.id as string, 90_000);
    expect(ingest.body.result).toMatchObject({ rowsRead: 60_000 });
    expect(ingest.body.result.rowsAccepted).toBeGreaterThan(30_000);
    expect(ingest.body.result.rowsAccepted + ingest.body.result.rowsRejected).toBe(60_000);
    // Guest checkouts (no CustomerID) are the rejects; the report is reachable through the API.
    expect(ingest.body.result.rejectsByReason).toHaveProperty('missing_user');
    const rejects = await get(ingest.body.result.rejectReportUrl as string).expect(200);
    expect(rejects.text.split('\n')[0]).toMatch(/missing_user/);

    const pipeline = await request(api.app).post('/v1/pipelines/nightly').set('X-API-Key', KEY).send({}).expect(202);
    const steps = pipeline.body.steps as string[];
    const done = await finished(pipeline.body.id as string, 300_000).catch(async (err: Error) => {
      const states = await Promise.all(steps.map(async (id) => (await get(`/v1/jobs/${id}`)).body as { name: string; state: string; error: string | null }));
      throw new Error(`${err.message}\n${states.map((x) => `${x.name}: ${x.state} ${x.error ?? ''}`).join('\n')}`);
    });
    expect(done.body.result.members).toBeGreaterThan(100);

    // Scoring fanned out into shard jobs (SCORE_SHARD_USERS=400) and published only when all were written.
    const score = await get(`/v1/jobs/${steps.find((s) => s.startsWith('score-all-users-'))!}`).expect(200);
    const { runId, shards, users } = score.body.result as { runId: number; shards: number; users: number };
    expect(shards).toBeGreaterThanOrEqual(2);
    const written = await env.db('user_intent').where({ run_id: runId }).count<{ n: number }[]>({ n: '*' });
    expect(Number(written[0]!.n)).toBe(users);
    for (let i = 0; i < shards; i++) expect((await get(`/v1/jobs/score-shard-${runId}-${i}`).expect(200)).body.state).toBe('completed');

    const models = await get('/v1/models').expect(200);
    expect(models.body.models).toHaveLength(1);
    expect(models.body.models[0]).toMatchObject({ version: 1, status: 'active' });
    expect(models.body.models[0].metrics.for_you.recall_at_20).toBeGreaterThan(0);

    // The most frequent buyer of the slice must get a full list of distinct items with reasons.
    const [top] = (await env.db('training_events').where({ event_type: 4 }).andWhere('quantity', '>', 0).groupBy('user_id')
      .select('user_id').count({ lines: '*' }).orderBy([{ column: 'lines', order: 'desc' }, 'user_id']).limit(1)) as { user_id: string }[];
    const recs = await get(`/v1/users/${top!.user_id}/recommendations?list=for-you`).expect(200);
    expect(recs.body.items).toHaveLength(20);
    expect(new Set((recs.body.items as { itemId: string }[]).map((i) => i.itemId)).size).toBe(20);
    expect(recs.body).toMatchObject({ runId: expect.any(Number), modelVersion: 1 });
    const discover = await get(`/v1/users/${top!.user_id}/recommendations?list=discover&limit=10`).expect(200);
    const rows = await env.db('training_events').where({ user_id: top!.user_id, event_type: 4 }).andWhere('quantity', '>', 0).select<{ item_id: string }[]>('item_id');
    const bought = new Set(rows.map((r) => r.item_id));
    for (const item of discover.body.items as { itemId: string }[]) expect(bought.has(item.itemId)).toBe(false);
    const intent = await get(`/v1/users/${top!.user_id}/intent`).expect(200);
    expect(intent.body.probability).toBeGreaterThan(0);
    expect(intent.body.probability).toBeLessThan(1);

    const segments = await get('/v1/segments').expect(200);
    expect(segments.body.segments.length).toBeGreaterThanOrEqual(2);
    const first = segments.body.segments[0] as { segmentId: string; size: number; label: string };
    expect(first.label).toMatch(/\w/);
    const members = await get(`/v1/segments/${first.segmentId}/members?limit=5`).expect(200);
    expect(members.body.members).toHaveLength(Math.min(5, first.size));
    // The segment job's campaign outputs are served from the same run.
    const customer = (members.body.members as { userId: string }[])[0]!.userId;
    const life = await get(`/v1/customers/${customer}/lifecycle`).expect(200);
    expect(life.body).toMatchObject({ userId: customer, segment: { segmentId: first.segmentId }, runId: segments.body.runId });
    expect(['new', 'active', 'at_risk', 'lapsed']).toContain(life.body.stage);
    // A slice of six weeks has few customers old enough to be at risk: the list may be short, never missing.
    const churn = await get('/v1/audiences/churn-warning/members?limit=3').expect(200);
    expect(churn.body.members.length).toBe(Math.min(3, churn.body.audience.size as number));
    const csv = await get('/v1/campaigns/win-back/export.csv').expect(200);
    expect(csv.text.split('\r\n')[0]).toMatch(/^customer_id,lifecycle_stage,segment_id,segment_label,probability,orders,total_spend,last_order_date,item_1_id,/);
    expect(csv.text.split('\r\n').filter((l) => l.length > 0).length).toBe(churn.body.audience.size + 1);
    // The upload was ingested, so it was deleted; neither answer showed a server path.
    expect(upload.body.path).toBeUndefined();
    await expect(readFile(path.join(dir, upload.body.file as string))).rejects.toMatchObject({ code: 'ENOENT' });
    const batch = await get(`/v1/ingest/batches/${ingest.body.result.batchId as number}`).expect(200);
    expect(batch.body).toMatchObject({ status: 'completed', source: `uploads/${upload.body.file as string}` });
    expect(JSON.stringify([batch.body, ingest.body])).not.toContain(dir);
  }, 420_000); // the whole pipeline on 2 shared cores; each wait above has its own tighter limit

  it('shows ops the published run on /admin in a real browser: charts with real data, no console errors', async () => {
    const server = api.app.listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    let browser: Browser | undefined;
    try {
      browser = await launchChromium();
      // Browsers are asked for the ops key with Basic auth, as for Bull Board.
      const page = await browser.newPage({ httpCredentials: { username: 'ops', password: KEY } });
      const problems: string[] = [];
      page.on('console', (m) => {
        if (m.type() === 'error') problems.push(m.text());
      });
      page.on('pageerror', (e) => problems.push(e.message));
      const res = await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/admin`, { waitUntil: 'load' });
      expect(res?.status()).toBe(200);
      expect(await page.locator('#active-model').innerText()).toMatch(/v1 \(champion/);
      // The metrics chart plots the active model's four holdout figures; the segment chart has a bar per segment.
      expect(await page.locator('svg.line-chart circle').count()).toBe(4);
      const segmentCount = ((await get('/v1/segments').expect(200)).body.segments as unknown[]).length;
      const bars = page.locator('figure', { hasText: 'Segment sizes' }).locator('rect.bar');
      expect(await bars.count()).toBe(segmentCount);
      expect(await page.locator('figure', { hasText: 'Last runs' }).locator('rect.bar').count()).toBeGreaterThanOrEqual(2);
      expect(await page.locator('#queues tr').count()).toBe(1 + api.queues.byName.size);
      expect(await page.locator('a[href="/admin/queues"]').count()).toBe(1);
      expect(problems).toEqual([]);
      // Without a key the page asks for one; a read key is not enough.
      expect((await request(api.app).get('/admin').expect(401)).headers['www-authenticate']).toMatch(/Basic/);
    } finally {
      await browser?.close();
      await new Promise((resolve) => server.close(resolve));
    }
  }, 60_000);
});

import { createServer, get, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { pruneRuns } from '../../db/repositories/runs';
import { startTestApi, type TestApi } from '../helpers/api';
import { publishSeededRun, seededId } from '../helpers/campaign-runs';
import { createTestDb, testConfig } from '../helpers/env';

const KEY = 'campaign-read-key';

/** Every line of a CSV body (CRLF ends; no field here holds a line break). */
const lines = (body: string): string[] => body.split('\r\n').filter((l) => l.length > 0);

describe('segments, audiences, lifecycle and campaign routes (real MariaDB + Redis)', () => {
  const config = testConfig('campaign_api', { API_KEYS: `${KEY}:read` });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let api: TestApi;
  const get_ = (url: string): request.Test => request(api.app).get(url).set('X-API-Key', KEY);

  beforeAll(async () => {
    env = await createTestDb(config);
    api = await startTestApi(config);
  });
  afterAll(async () => {
    await api.close();
    await env.drop();
  });

  it('answers 404 with the error shape before any run, and an empty segment list', async () => {
    expect((await get_('/v1/segments').expect(200)).body).toEqual({ runId: null, segments: [] });
    expect((await get_('/v1/audiences').expect(200)).body).toEqual({ runId: null, audiences: [] });
    expect((await get_('/v1/campaigns').expect(200)).body).toEqual({ runId: null, campaigns: [] });
    const res = await get_('/v1/segments/champions/members').expect(404);
    expect(res.body.error).toEqual({ code: 'not_found', message: expect.stringMatching(/no segmentation run/) });
    await get_('/v1/customers/u1/lifecycle').expect(404);
    await get_('/v1/campaigns/win-back/export.csv').expect(404);
  });

  let runA: number;
  it('lists segments with their run, moved share and profile; one segment; a customer’s lifecycle', async () => {
    runA = await publishSeededRun(env.db, { prefix: 'a', members: 25 });
    const list = await get_('/v1/segments').expect(200);
    expect(list.body).toMatchObject({ runId: runA, live: true, movedShare: 0.05, asOf: '2024-06-01T00:00:00.000Z' });
    expect(list.body.segments).toEqual([expect.objectContaining({ segmentId: 'champions', label: 'Champions', size: 25, profile: { revenueShare: 0.6, medianRecencyDays: 3 } })]);
    expect((await get_('/v1/segments/champions').expect(200)).body.segment.size).toBe(25);
    await get_('/v1/segments/nobody').expect(404);
    const life = await get_(`/v1/customers/${seededId('a', 1)}/lifecycle`).expect(200);
    expect(life.body).toMatchObject({
      runId: runA, userId: seededId('a', 1), stage: 'at_risk', pNoPurchase90d: 0.7, expectedSpend90d: 101, lastPurchaseAt: '2024-05-29T00:00:00.000Z',
      segment: { segmentId: 'champions', label: 'Champions' },
    });
    await get_('/v1/customers/nobody/lifecycle').expect(404);
  });

  it('pins member pages to the run of the first page while a new run is published, and keeps it for the cursor lifetime', async () => {
    const first = await get_('/v1/segments/champions/members?limit=10').expect(200);
    expect(first.body.runId).toBe(runA);
    expect(first.body.members[0]).toMatchObject({ userId: seededId('a', 0), stage: 'active', monetary: 500 });
    const runB = await publishSeededRun(env.db, { prefix: 'b', members: 7 });
    const seen: string[] = (first.body.members as { userId: string }[]).map((m) => m.userId);
    for (let next = first.body.next as string | null; next;) {
      const page: request.Response = await get_(next).expect(200);
      expect(page.body).toMatchObject({ runId: runA, live: false });
      seen.push(...(page.body.members as { userId: string }[]).map((m) => m.userId));
      next = page.body.next as string | null;
    }
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => seededId('a', i)));
    // A new first page reads the new run.
    const fresh = await get_('/v1/segments/champions/members?limit=10').expect(200);
    expect(fresh.body).toMatchObject({ runId: runB, next: null, cursor: null });
    expect(fresh.body.members).toHaveLength(7);

    // A third run: A is no longer the rollback run, but it was replaced a moment ago, so a grace keeps it.
    await publishSeededRun(env.db, { prefix: 'c', members: 3 });
    expect(await pruneRuns(env.db, 'segments', 1, 3_600_000)).toEqual([]);
    const cursor = first.body.cursor as string;
    expect((await get_(`/v1/segments/champions/members?limit=10&cursor=${cursor}`).expect(200)).body.runId).toBe(runA);
    // Without the grace A goes, and its cursors answer 410 instead of another run's rows.
    expect(await pruneRuns(env.db, 'segments', 1, 0)).toEqual([runA]);
    const gone = await get_(`/v1/segments/champions/members?limit=10&cursor=${cursor}`).expect(410);
    expect(gone.body.error.code).toBe('cursor_expired');
    // A cursor of another list, or garbage, is a 400 naming the cursor.
    expect((await get_(`/v1/audiences/churn-warning/members?cursor=${cursor}`).expect(400)).body.error.message).toMatch(/^cursor: /);
    await get_('/v1/segments/champions/members?cursor=%%%').expect(400);
    await get_('/v1/segments/champions/members?limit=0').expect(400);
  });

  it('pages audiences by rank with their probabilities and values', async () => {
    const runD = await publishSeededRun(env.db, { prefix: 'd', members: 12 });
    const all = await get_('/v1/audiences').expect(200);
    expect(all.body.audiences).toEqual([expect.objectContaining({ audienceId: 'churn-warning', kind: 'churn-warning', size: 12 })]);
    const ranks: number[] = [];
    for (let next: string | null = '/v1/audiences/churn-warning/members?limit=5'; next;) {
      const page: request.Response = await get_(next).expect(200);
      expect(page.body.runId).toBe(runD);
      ranks.push(...(page.body.members as { rank: number }[]).map((m) => m.rank));
      next = page.body.next as string | null;
    }
    expect(ranks).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    const top = await get_('/v1/audiences/churn-warning/members?limit=1').expect(200);
    expect(top.body.members[0]).toEqual({ rank: 1, userId: seededId('d', 0), probability: 0.9, value: 1000 });
    await get_('/v1/audiences/nothing/members').expect(404);
  });

  it('exports a campaign as CSV an email tool imports, every field safe from formula injection', async () => {
    const runE = await publishSeededRun(env.db, { prefix: 'e', members: 4, evilName: '@SUM(1+1)' });
    const camp = await get_('/v1/campaigns').expect(200);
    expect(camp.body.campaigns).toEqual([expect.objectContaining({ campaignId: 'win-back', size: 4, topN: 2, attributeKeys: ['email', 'first_name'] })]);
    const res = await get_('/v1/campaigns/win-back/export.csv').buffer(true).parse((r, done) => {
      let text = '';
      r.setEncoding('utf8');
      r.on('data', (c: string) => (text += c));
      r.on('end', () => done(null, text));
    }).expect(200);
    expect(res.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(res.headers['x-run-id']).toBe(String(runE));
    expect(res.headers['content-disposition']).toBe(`attachment; filename="campaign-win-back-run-${runE}.csv"`);
    const rows = lines(res.body as string);
    expect(rows[0]).toBe('customer_id,email,first_name,lifecycle_stage,segment_id,segment_label,probability,orders,total_spend,last_order_date,' +
      'item_1_id,item_1_title,item_1_reason,item_2_id,item_2_title,item_2_reason');
    expect(rows).toHaveLength(5);
    expect(rows[1]).toBe(`${seededId('e', 0)},${seededId('e', 0)}@example.com,'@SUM(1+1),at_risk,champions,Champions,0.5,5,499.5,2024-05-29,` +
      `A1,MUG xxxxxxxxxx,Often bought with BAG,B2,"'=cmd|"" /C calc""!A0",Trending now`);
    expect(rows[2]).toContain(',B2,"BAG, ""big"" xxxxxxxxxx",Trending now');
    await get_('/v1/campaigns/nothing/export.csv').expect(404);
  });

  it('streams the whole export from the run live when it started, though a run is published mid-stream', async () => {
    // About 30 MB of CSV: far more than socket buffers hold, so the server is still reading pages while paused.
    const members = 12_000;
    const runF = await publishSeededRun(env.db, { prefix: 'f', members, titleChars: 1200 });
    const server: Server = createServer(api.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/v1/campaigns/win-back/export.csv', headers: { 'X-API-Key': KEY } }, resolve).on('error', reject);
      });
      expect(res.headers['x-run-id']).toBe(String(runF));
      let text = '';
      let published: number | null = null;
      res.setEncoding('utf8');
      for await (const chunk of res) {
        text += chunk as string;
        if (published === null) {
          // The client stops reading; meanwhile a new run replaces the one being exported.
          res.pause();
          published = await publishSeededRun(env.db, { prefix: 'g', members: 5 });
          res.resume();
        }
      }
      const rows = lines(text);
      expect(rows).toHaveLength(members + 1);
      expect(rows.slice(1).every((r, i) => r.startsWith(`${seededId('f', i)},`))).toBe(true);
      expect((await get_('/v1/campaigns').expect(200)).body.runId).toBe(published);
    } finally {
      await new Promise((r) => server.close(r));
    }
  }, 120_000);
});

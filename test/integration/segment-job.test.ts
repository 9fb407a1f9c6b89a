import type { Config } from '../../config';
import { createRun, publishRun, writeScoreShard } from '../../db/repositories/runs';
import type { JobContext } from '../../jobs/context';
import { segment } from '../../jobs/handlers/segment';
import { createTestDb, testConfig } from '../helpers/env';
import { insertPurchases } from '../helpers/events';
import { insertGeneratedShop } from '../helpers/shop';
import { createLogger } from '../../config/logger';
import { buildTrainingStore } from '../helpers/store';
import { storeSummary } from '../../db/events';

type Result = {
  runId: number; members: number; movedShare: number | null; segments: { id: string; label: string; size: number }[];
  lifecycle: Record<string, number>; audiences: { id: string; size: number }[]; skippedAudiences: string[]; newInItems: number; newInPicks: number;
  campaigns: Record<string, number | string>; backend: string; fitSample: { sampled: boolean; customers: number; rows: number; ofCustomers: number; ofRows: number };
};

const CAMPAIGNS = JSON.stringify([
  { id: 'win-back', audience: 'churn-warning', list: 'for-you', topN: 2, excludeBoughtWithinDays: 0, attributes: ['email'] },
  { id: 'new-in', audience: 'high-intent', list: 'new-in', topN: 3, maxPerCategory: 1 },
  { id: 'gone', segment: 'no-such-segment', list: 'for-you' },
]);

describe('segment job: segments, lifecycle, audiences, new-in picks and campaigns in one published run', () => {
  const config = testConfig('segjob', { SEGMENT_COUNT: '4', CAMPAIGNS, AUDIENCE_SIZE: '50', AUDIENCE_CATEGORIES: 'Home' });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let shop: Awaited<ReturnType<typeof insertGeneratedShop>>;
  const ctx = (jobId: string, c: Readonly<Config> = config): JobContext => ({
    jobId, attempt: 1, db: env.db, config: c, progress: () => Promise.resolve(), log: () => undefined, logger: createLogger({ LOG_LEVEL: 'silent' }, 'worker'),
  });

  beforeAll(async () => {
    env = await createTestDb(config);
    shop = await insertGeneratedShop(env.db, { users: 500, items: 150, days: 240, seed: 3 });
    // Two items that arrived in the last weeks (the generator's catalogue is all there from day one).
    await env.db('items').insert(['new0', 'new1'].map((id, k) => ({ item_id: id, title: `sunflower new ${k}`, category: k ? 'Home > Modern > Gifts' : 'Toys > Eco > Sets', in_stock: true, updated_at: '2024-08-20 00:00:00' })));
    await insertPurchases(env.db, shop.users.slice(0, 12).map((u, i) => ({ user: u, item: `new${i % 2}`, day: `2024-08-${String(15 + (i % 10)).padStart(2, '0')}` })));
    // segment reads the training store preprocess builds from the events.
    await buildTrainingStore(env.db, config);
    // A published scoring run with for-you lists for a few customers: campaigns join them.
    const scores = await createRun(env.db, 'scores', 1, {});
    const recs = shop.users.flatMap((u) => ['i0', 'i1', 'i2', 'i3'].map((item, r) => ({ userId: u, list: 'for-you' as const, rank: r + 1, itemId: item, score: 1 - r / 10, reason: 'bought-with', reasonItemId: 'i5' })));
    await writeScoreShard(env.db, scores, shop.users, recs, shop.users.map((u, i) => ({ userId: u, probability: (i % 100) / 100, horizonDays: 30 })));
    await publishRun(env.db, 'scores', scores, shop.users.length);
  }, 120_000);
  afterAll(() => env.drop());

  let first: Result;
  it('publishes every output under one run id', async () => {
    first = (await segment({ audiences: { items: ['i1', 'does-not-exist'], categories: [] } }, ctx('segment-a'))) as Result;
    const [pub] = (await env.db('published_runs').where({ kind: 'segments' })) as { run_id: number }[];
    expect(pub!.run_id).toBe(first.runId);
    expect(first.movedShare).toBeNull();
    // The churn model may train a tfjs MLP: the job picks its backend first (the thread has none otherwise).
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(first.backend);
    expect(first.segments.length).toBeGreaterThanOrEqual(2);
    // A small shop: the models learn from every customer (no sample below SEGMENT_FIT_MAX_EVENTS).
    expect(first.fitSample).toMatchObject({ sampled: false, customers: shop.users.length, ofCustomers: shop.users.length });
    const count = async (table: string): Promise<number> => Number(((await env.db(table).where({ run_id: first.runId }).count({ n: '*' })) as [{ n: number }])[0].n);
    // Every customer has a lifecycle row and one segment.
    expect(await count('customer_lifecycle')).toBe(shop.users.length);
    expect(await count('segment_members')).toBe(first.members);
    expect(first.members).toBe(shop.users.length);
    expect(Object.values(first.lifecycle).reduce((s, n) => s + n, 0)).toBe(shop.users.length);
    expect(first.lifecycle.at_risk).toBeGreaterThan(0);
    expect(first.audiences.map((a) => a.id).sort()).toEqual(['category-home', 'churn-warning', 'high-intent', 'item-i1']);
    expect(first.skippedAudiences).toEqual([expect.stringMatching(/item-does-not-exist/)]);
    expect(first.newInItems).toBeGreaterThan(0);
    expect(first.newInPicks).toBe(await count('new_in_picks'));
    expect(first.campaigns).toMatchObject({ 'win-back': expect.any(Number), 'new-in': 50, gone: expect.stringMatching(/skipped/) });
  }, 120_000);

  it('orders the churn warnings by value at risk and uses the published intent for the high-intent audience', async () => {
    const warnings = (await env.db('customer_lifecycle').where({ run_id: first.runId }).whereNotNull('churn_rank').orderBy('churn_rank')) as { value_at_risk: number; stage: string }[];
    expect(warnings.length).toBeGreaterThan(0);
    for (let i = 1; i < warnings.length; i++) expect(warnings[i]!.value_at_risk).toBeLessThanOrEqual(warnings[i - 1]!.value_at_risk);
    expect(new Set(warnings.map((w) => w.stage))).toEqual(new Set(['at_risk']));
    const top = (await env.db('audience_members').where({ run_id: first.runId, audience_id: 'high-intent' }).orderBy('rank').limit(3)) as { probability: number }[];
    expect(top.map((t) => t.probability)).toEqual([0.99, 0.99, 0.99]);
  });

  it('joins campaign customers with their list under the rules, with titles, reasons and attributes', async () => {
    const items = (await env.db('campaign_items').where({ run_id: first.runId, campaign_id: 'win-back' }).orderBy(['position', 'rank'])) as { position: number; item_id: string; title: string; reason_text: string }[];
    expect(items.filter((i) => i.position === 1).map((i) => i.item_id)).toEqual(['i0', 'i1']);
    expect(items[0]!.title).toMatch(/ 0$/);
    expect(items[0]!.reason_text).toMatch(/^Often bought with .+ 5$/);
    const [m] = (await env.db('campaign_members').where({ run_id: first.runId, campaign_id: 'win-back', position: 1 })) as { attributes: unknown; stage: string }[];
    expect(typeof m!.attributes === 'string' ? JSON.parse(m!.attributes) : m!.attributes).toEqual({ email: expect.stringMatching(/@example\.com$/) });
    expect(m!.stage).toBe('at_risk');
    // new-in: at most one item per category for each customer.
    const picks = await env.db('campaign_items as c').join('items as i', 'i.item_id', 'c.item_id').where({ 'c.run_id': first.runId, 'c.campaign_id': 'new-in' })
      .select<{ position: number; category: string }[]>('c.position', 'i.category');
    expect(picks.length).toBeGreaterThan(0);
    const seen = new Set<string>();
    for (const p of picks) {
      const key = `${p.position}|${p.category.toLowerCase()}`;
      expect(seen.has(key)).toBe(false);
      seen.add(key);
    }
  });

  it('keeps segment ids on the next night and reports who moved; the previous run stays', async () => {
    const second = (await segment({}, ctx('segment-b'))) as Result;
    expect(second.runId).toBeGreaterThan(first.runId);
    expect(second.movedShare).toBe(0);
    expect(second.segments.map((s) => s.id).sort()).toEqual(first.segments.map((s) => s.id).sort());
    const again = (await segment({}, ctx('segment-b'))) as { runId: number; alreadyPublished: boolean };
    expect(again).toMatchObject({ runId: second.runId, alreadyPublished: true });
    const kept = (await env.db('score_runs').where({ run_id: first.runId }).first()) as { status: string };
    expect(kept.status).toBe('published');
  }, 120_000);

  it('fits its models on whole customer buckets above SEGMENT_FIT_MAX_EVENTS and still segments every customer', async () => {
    const summary = await storeSummary(env.db);
    const sampled = { ...config, SEGMENT_FIT_MAX_EVENTS: Math.ceil((summary!.events + summary!.returns) / 4) };
    const third = (await segment({}, ctx('segment-c', sampled))) as Result;
    expect(third.fitSample.sampled).toBe(true);
    expect(third.fitSample.rows).toBeLessThanOrEqual(sampled.SEGMENT_FIT_MAX_EVENTS);
    expect(third.fitSample.customers).toBeLessThan(shop.users.length);
    expect(third.fitSample.customers).toBeGreaterThan(0);
    expect(third.members).toBe(shop.users.length);
    expect(Object.values(third.lifecycle).reduce((s, n) => s + n, 0)).toBe(shop.users.length);
    expect(third.audiences.map((a) => a.id).sort()).toEqual(['category-home', 'churn-warning', 'high-intent']);
    expect(third.newInItems).toBe(first.newInItems);
  }, 120_000);
});

import { createDb } from '../../db/knex';
import { createRun } from '../../db/repositories/runs';
import { publishSeededRun, seededId } from '../helpers/campaign-runs';
import { createTestDb, testConfig } from '../helpers/env';

/**
 * The read-only views are a contract with tools that read MySQL (README "Reading from MySQL"): their names and
 * columns, in order, may only change with a new documented contract. This is that contract.
 */
const CONTRACT: Record<string, string[]> = {
  v_segments: ['run_id', 'segment_id', 'label', 'description', 'size', 'revenue_share', 'median_recency_days', 'median_frequency', 'median_monetary', 'median_intent', 'published_at'],
  v_segment_members: ['run_id', 'segment_id', 'segment_label', 'user_id', 'lifecycle_stage', 'p_no_purchase_90d', 'recency_days', 'frequency', 'monetary'],
  v_lifecycle: ['run_id', 'user_id', 'stage', 'p_no_purchase_90d', 'expected_spend_90d', 'value_at_risk', 'churn_rank', 'recency_days', 'frequency', 'monetary', 'first_purchase_at', 'last_purchase_at', 'segment_id'],
  v_churn_warnings: ['run_id', 'churn_rank', 'user_id', 'value_at_risk', 'p_no_purchase_90d', 'expected_spend_90d', 'segment_id'],
  v_audiences: ['run_id', 'audience_id', 'kind', 'target', 'label', 'description', 'size'],
  v_audience_members: ['run_id', 'audience_id', 'rank', 'user_id', 'probability', 'value'],
  v_new_in_picks: ['run_id', 'user_id', 'rank', 'item_id', 'title', 'score', 'reason', 'reason_item_id'],
  v_campaigns: ['run_id', 'campaign_id', 'label', 'source_kind', 'source_id', 'list', 'top_n', 'size'],
  v_campaign_recommendations: ['run_id', 'campaign_id', 'position', 'user_id', 'probability', 'segment_id', 'lifecycle_stage', 'rank', 'item_id', 'title', 'reason', 'reason_item_id', 'reason_text'],
};

describe('read-only MySQL views (contract)', () => {
  const config = testConfig('views');
  let env: Awaited<ReturnType<typeof createTestDb>>;
  beforeAll(async () => {
    env = await createTestDb(config);
  });
  afterAll(() => env.drop());

  it('have exactly the documented names and columns, in order', async () => {
    const [rows] = (await env.db.raw(
      "SELECT c.TABLE_NAME AS t, c.COLUMN_NAME AS c FROM information_schema.COLUMNS c JOIN information_schema.VIEWS v ON v.TABLE_SCHEMA = c.TABLE_SCHEMA AND v.TABLE_NAME = c.TABLE_NAME WHERE c.TABLE_SCHEMA = DATABASE() ORDER BY c.TABLE_NAME, c.ORDINAL_POSITION",
    )) as [{ t: string; c: string }[]];
    const got: Record<string, string[]> = {};
    for (const r of rows) (got[r.t] ??= []).push(r.c);
    expect(got).toEqual(CONTRACT);
  });

  it('show the published run only, and are readable but not writable by the API’s read-only user', async () => {
    const published = await publishSeededRun(env.db, { prefix: 'p', members: 3 });
    // A run being written (not published) is invisible through the views.
    const hidden = await createRun(env.db, 'segments', null, {});
    await env.db('customer_lifecycle').insert({ run_id: hidden, user_id: 'ghost', stage: 'new', p_no_purchase_90d: 0, expected_spend_90d: 0, value_at_risk: 0, recency_days: 0, frequency: 0, monetary: 0 });
    const ro = createDb(config.MYSQL_READONLY_URL, 1);
    try {
      const life = (await ro('v_lifecycle').select('run_id', 'user_id').orderBy('user_id')) as { run_id: number; user_id: string }[];
      expect(life).toEqual([0, 1, 2].map((i) => ({ run_id: published, user_id: seededId('p', i) })));
      const recs = (await ro('v_campaign_recommendations').where({ campaign_id: 'win-back' }).orderBy(['position', 'rank'])) as { user_id: string; rank: number; item_id: string; reason_text: string }[];
      expect(recs.map((r) => [r.user_id, r.rank, r.item_id])).toEqual([0, 1, 2].flatMap((i) => [[seededId('p', i), 1, 'A1'], [seededId('p', i), 2, 'B2']]));
      const seg = (await ro('v_segments').first()) as { segment_id: string; revenue_share: number };
      expect(seg).toMatchObject({ segment_id: 'champions', revenue_share: 0.6 });
      for (const name of Object.keys(CONTRACT)) await ro(name).select().limit(1);
      await expect(ro.raw("INSERT INTO customer_lifecycle (run_id, user_id, stage, p_no_purchase_90d, expected_spend_90d, value_at_risk, recency_days, frequency, monetary) VALUES (1, 'x', 'new', 0, 0, 0, 0, 0, 0)"))
        .rejects.toMatchObject({ code: 'ER_TABLEACCESS_DENIED_ERROR' });
    } finally {
      await ro.destroy();
    }
  });
});

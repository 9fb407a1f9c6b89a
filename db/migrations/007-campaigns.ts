import { createTable, type Migration } from './types';

/**
 * Campaign outputs of the `segment` job. Every row carries the run id of its segmentation run (kind
 * `segments`) and becomes visible with it through `published_runs`. The `v_*` views are the contract for
 * tools that read MySQL (documented in README.md, names and columns tested): they show the published run only.
 */

function view(name: string, migration: string, select: string): Migration {
  return {
    name: migration,
    up: async (knex) => {
      await knex.raw(`CREATE OR REPLACE VIEW ${name} AS ${select}`);
    },
    down: async (knex) => {
      await knex.raw(`DROP VIEW IF EXISTS ${name}`);
    },
  };
}

const LIVE = (alias: string): string => `JOIN published_runs p ON p.kind = 'segments' AND p.run_id = ${alias}.run_id`;

export const campaignMigrations: Migration[] = [
  createTable('007_01_customer_lifecycle', 'customer_lifecycle', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('user_id', 64).notNullable();
    t.string('stage', 16).notNullable(); // new | active | at_risk | lapsed
    t.double('p_no_purchase_90d').notNullable();
    t.double('expected_spend_90d').notNullable();
    t.double('value_at_risk').notNullable();
    t.integer('churn_rank').unsigned().nullable(); // at-risk customers by value at risk, 1 = most
    t.double('recency_days').notNullable();
    t.integer('frequency').unsigned().notNullable();
    t.double('monetary').notNullable();
    t.specificType('first_purchase_at', 'DATETIME(3)').nullable();
    t.specificType('last_purchase_at', 'DATETIME(3)').nullable();
    t.string('segment_id', 64).nullable();
    t.primary(['run_id', 'user_id']);
  }),
  createTable('007_02_audiences', 'audiences', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('audience_id', 128).notNullable();
    t.string('kind', 16).notNullable(); // item | category | high-intent | churn-warning
    t.string('target', 512).nullable(); // the item id or category name
    t.string('label', 255).notNullable();
    t.string('description', 512).notNullable();
    t.integer('size').unsigned().notNullable();
    t.json('params').notNullable();
    t.primary(['run_id', 'audience_id']);
  }),
  createTable('007_03_audience_members', 'audience_members', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('audience_id', 128).notNullable();
    t.integer('rank').unsigned().notNullable();
    t.string('user_id', 64).notNullable();
    t.double('probability').notNullable();
    t.double('value').nullable(); // churn-warning: value at risk
    t.primary(['run_id', 'audience_id', 'rank']);
  }),
  createTable('007_04_new_in_picks', 'new_in_picks', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('user_id', 64).notNullable();
    t.tinyint('rank').unsigned().notNullable();
    t.string('item_id', 64).notNullable();
    t.double('score').notNullable();
    t.string('reason', 32).notNullable();
    t.string('reason_item_id', 64).nullable();
    t.primary(['run_id', 'user_id', 'rank']);
  }),
  createTable('007_05_campaigns', 'campaigns', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('campaign_id', 64).notNullable();
    t.string('label', 255).notNullable();
    t.string('source_kind', 16).notNullable(); // segment | audience
    t.string('source_id', 128).notNullable();
    t.string('list', 16).notNullable(); // for-you | discover | new-in
    t.tinyint('top_n').unsigned().notNullable();
    t.json('rules').notNullable();
    t.json('attribute_keys').notNullable();
    t.integer('size').unsigned().notNullable();
    t.primary(['run_id', 'campaign_id']);
  }),
  // One row per customer of a campaign, in campaign order, with what the export shows about them (as of the run).
  createTable('007_06_campaign_members', 'campaign_members', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('campaign_id', 64).notNullable();
    t.integer('position').unsigned().notNullable();
    t.string('user_id', 64).notNullable();
    t.double('probability').nullable();
    t.string('segment_id', 64).nullable();
    t.string('segment_label', 128).nullable();
    t.string('stage', 16).nullable();
    t.integer('orders').unsigned().notNullable().defaultTo(0);
    t.double('spend').notNullable().defaultTo(0);
    t.specificType('last_order_at', 'DATETIME(3)').nullable();
    t.json('attributes').nullable(); // the campaign's attribute keys, from the shop's user attributes
    t.primary(['run_id', 'campaign_id', 'position']);
  }),
  createTable('007_07_campaign_items', 'campaign_items', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('campaign_id', 64).notNullable();
    t.integer('position').unsigned().notNullable();
    t.tinyint('rank').unsigned().notNullable();
    t.string('item_id', 64).notNullable();
    t.string('title', 512).nullable();
    t.string('reason', 32).notNullable();
    t.string('reason_item_id', 64).nullable();
    t.string('reason_text', 255).notNullable();
    t.primary(['run_id', 'campaign_id', 'position', 'rank']);
  }),
  view('v_segments', '007_08_v_segments', `
    SELECT s.run_id, s.segment_id, s.label, s.description, s.size,
      CAST(JSON_VALUE(s.profile, '$.revenueShare') AS DOUBLE) AS revenue_share,
      CAST(JSON_VALUE(s.profile, '$.medianRecencyDays') AS DOUBLE) AS median_recency_days,
      CAST(JSON_VALUE(s.profile, '$.medianFrequency') AS DOUBLE) AS median_frequency,
      CAST(JSON_VALUE(s.profile, '$.medianMonetary') AS DOUBLE) AS median_monetary,
      CAST(JSON_VALUE(s.profile, '$.medianIntent') AS DOUBLE) AS median_intent,
      p.published_at
    FROM segments s ${LIVE('s')}`),
  view('v_segment_members', '007_09_v_segment_members', `
    SELECT m.run_id, m.segment_id, s.label AS segment_label, m.user_id, l.stage AS lifecycle_stage,
      l.p_no_purchase_90d, l.recency_days, l.frequency, l.monetary
    FROM segment_members m ${LIVE('m')}
    JOIN segments s ON s.run_id = m.run_id AND s.segment_id = m.segment_id
    LEFT JOIN customer_lifecycle l ON l.run_id = m.run_id AND l.user_id = m.user_id`),
  view('v_lifecycle', '007_10_v_lifecycle', `
    SELECT l.run_id, l.user_id, l.stage, l.p_no_purchase_90d, l.expected_spend_90d, l.value_at_risk, l.churn_rank,
      l.recency_days, l.frequency, l.monetary, l.first_purchase_at, l.last_purchase_at, l.segment_id
    FROM customer_lifecycle l ${LIVE('l')}`),
  view('v_churn_warnings', '007_11_v_churn_warnings', `
    SELECT l.run_id, l.churn_rank, l.user_id, l.value_at_risk, l.p_no_purchase_90d, l.expected_spend_90d, l.segment_id
    FROM customer_lifecycle l ${LIVE('l')}
    WHERE l.churn_rank IS NOT NULL`),
  view('v_audiences', '007_12_v_audiences', `
    SELECT a.run_id, a.audience_id, a.kind, a.target, a.label, a.description, a.size
    FROM audiences a ${LIVE('a')}`),
  view('v_audience_members', '007_13_v_audience_members', `
    SELECT m.run_id, m.audience_id, m.rank, m.user_id, m.probability, m.value
    FROM audience_members m ${LIVE('m')}`),
  view('v_new_in_picks', '007_14_v_new_in_picks', `
    SELECT n.run_id, n.user_id, n.rank, n.item_id, i.title, n.score, n.reason, n.reason_item_id
    FROM new_in_picks n ${LIVE('n')}
    LEFT JOIN items i ON i.item_id = n.item_id`),
  view('v_campaigns', '007_15_v_campaigns', `
    SELECT c.run_id, c.campaign_id, c.label, c.source_kind, c.source_id, c.list, c.top_n, c.size
    FROM campaigns c ${LIVE('c')}`),
  view('v_campaign_recommendations', '007_16_v_campaign_recommendations', `
    SELECT m.run_id, m.campaign_id, m.position, m.user_id, m.probability, m.segment_id, m.stage AS lifecycle_stage,
      i.rank, i.item_id, i.title, i.reason, i.reason_item_id, i.reason_text
    FROM campaign_members m ${LIVE('m')}
    JOIN campaign_items i ON i.run_id = m.run_id AND i.campaign_id = m.campaign_id AND i.position = m.position`),
];

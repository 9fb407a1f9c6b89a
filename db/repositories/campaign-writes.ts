import type { Db } from '../knex';
import type { CampaignMemberRecord, LifecycleRecord } from './campaigns';
import { insertChunked, toSqlTime } from './sql-util';

/**
 * Writes of a segmentation run's campaign outputs. No transaction: the rows carry a run id nobody reads until
 * publishRun flips the pointer, and a retried job opens a new run (the abandoned one is pruned).
 */

/** A lifecycle row as the job writes it (times in epoch ms). */
export type LifecycleRow = LifecycleRecord<number>;

const time = (ms: number | null): string | null => (ms === null ? null : toSqlTime(ms));

export async function writeLifecycle(db: Db, runId: number, rows: readonly LifecycleRow[]): Promise<void> {
  await insertChunked(db, 'customer_lifecycle', rows.map((r) => ({
    run_id: runId, user_id: r.userId, stage: r.stage, p_no_purchase_90d: r.pNoPurchase90d, expected_spend_90d: r.expectedSpend90d,
    value_at_risk: r.valueAtRisk, churn_rank: r.churnRank, recency_days: r.recencyDays, frequency: r.frequency, monetary: r.monetary,
    first_purchase_at: time(r.firstPurchaseAt), last_purchase_at: time(r.lastPurchaseAt), segment_id: r.segmentId,
  })), 2000);
}

export interface AudienceRow {
  audienceId: string;
  kind: string;
  target: string | null;
  label: string;
  description: string;
  params: Record<string, unknown>;
  members: readonly { userId: string; probability: number; value: number | null }[];
}

export async function writeAudiences(db: Db, runId: number, audiences: readonly AudienceRow[]): Promise<void> {
  await insertChunked(db, 'audiences', audiences.map((a) => ({
    run_id: runId, audience_id: a.audienceId, kind: a.kind, target: a.target, label: a.label.slice(0, 255), description: a.description.slice(0, 512),
    size: a.members.length, params: JSON.stringify(a.params),
  })));
  for (const a of audiences) {
    await insertChunked(db, 'audience_members', a.members.map((m, i) => ({
      run_id: runId, audience_id: a.audienceId, rank: i + 1, user_id: m.userId, probability: m.probability, value: m.value,
    })), 5000);
  }
}

export interface NewInRow {
  userId: string;
  rank: number;
  itemId: string;
  score: number;
  reason: string;
  reasonItemId: string | null;
}

export async function writeNewInPicks(db: Db, runId: number, rows: readonly NewInRow[]): Promise<void> {
  await insertChunked(db, 'new_in_picks', rows.map((r) => ({
    run_id: runId, user_id: r.userId, rank: r.rank, item_id: r.itemId, score: r.score, reason: r.reason, reason_item_id: r.reasonItemId,
  })), 5000);
}

export interface CampaignHeader {
  campaignId: string;
  label: string;
  sourceKind: 'segment' | 'audience';
  sourceId: string;
  list: string;
  topN: number;
  rules: Record<string, unknown>;
  attributeKeys: readonly string[];
  size: number;
}

/** A campaign customer as the job writes it (last order in epoch ms, items with the reason's item). */
export type CampaignMemberRow = CampaignMemberRecord<number, { itemId: string; title: string | null; reason: string; reasonItemId: string | null; reasonText: string }>;

export async function writeCampaignHeader(db: Db, runId: number, c: CampaignHeader): Promise<void> {
  await db('campaigns').insert({
    run_id: runId, campaign_id: c.campaignId, label: c.label.slice(0, 255), source_kind: c.sourceKind, source_id: c.sourceId, list: c.list,
    top_n: c.topN, rules: JSON.stringify(c.rules), attribute_keys: JSON.stringify(c.attributeKeys), size: c.size,
  });
}

/** One slice of a campaign's members with their items (callers write a big campaign slice by slice). */
export async function writeCampaignMembers(db: Db, runId: number, campaignId: string, members: readonly CampaignMemberRow[]): Promise<void> {
  await insertChunked(db, 'campaign_members', members.map((m) => ({
    run_id: runId, campaign_id: campaignId, position: m.position, user_id: m.userId, probability: m.probability, segment_id: m.segmentId,
    segment_label: m.segmentLabel, stage: m.stage, orders: m.orders, spend: m.spend, last_order_at: time(m.lastOrderAt),
    attributes: m.attributes === null ? null : JSON.stringify(m.attributes),
  })), 2000);
  await insertChunked(db, 'campaign_items', members.flatMap((m) => m.items.map((it, r) => ({
    run_id: runId, campaign_id: campaignId, position: m.position, rank: r + 1, item_id: it.itemId, title: it.title?.slice(0, 512) ?? null,
    reason: it.reason.slice(0, 32), reason_item_id: it.reasonItemId, reason_text: it.reasonText.slice(0, 255),
  }))), 2000);
}

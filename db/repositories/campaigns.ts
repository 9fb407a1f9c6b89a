import type { Db } from '../knex';
import { fromSqlTime } from './sql-util';

/**
 * Read side of segmentation runs for the API (SELECT-only connection): segments, lifecycle, audiences and
 * campaigns of one run. Every read names its run: the live one for a first page, the cursor's afterwards.
 */

export interface SegmentsRun {
  runId: number;
  /** when it was published (ISO) */
  publishedAt: string | null;
  live: boolean;
  params: Record<string, unknown>;
}

const json = (v: unknown): Record<string, unknown> => (typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : ((v ?? {}) as Record<string, unknown>));
const iso = (s: string | null): string | null => (s === null ? null : new Date(fromSqlTime(s)).toISOString());

type RunRow = { run_id: number; finished_at: string | null; params: unknown; status: string; live_id: number | null };

function runOf(r: RunRow): SegmentsRun {
  return { runId: r.run_id, publishedAt: iso(r.finished_at), live: r.live_id === r.run_id, params: json(r.params) };
}

function runQuery(db: Db) {
  return db('score_runs as r')
    .leftJoin('published_runs as p', 'p.kind', 'r.kind')
    .select('r.run_id', 'r.finished_at', 'r.params', 'r.status', 'p.run_id as live_id')
    .where('r.kind', 'segments');
}

/** The published segmentation run, or null before the first one. */
export async function liveSegmentsRun(db: Db): Promise<SegmentsRun | null> {
  const row = (await runQuery(db).whereRaw('r.run_id = p.run_id').first()) as RunRow | undefined;
  return row ? runOf(row) : null;
}

/** A segmentation run that was published and still has its rows (live, or superseded and not yet pruned), or null. */
export async function readableSegmentsRun(db: Db, runId: number): Promise<SegmentsRun | null> {
  const row = (await runQuery(db).where('r.run_id', runId).andWhere('r.status', 'published').first()) as RunRow | undefined;
  return row ? runOf(row) : null;
}

export interface ServedSegment {
  segmentId: string;
  label: string;
  description: string;
  size: number;
  profile: Record<string, unknown>;
}

type SegmentRow = { segment_id: string; label: string; description: string; size: number; profile: unknown };
const segmentOf = (r: SegmentRow): ServedSegment => ({ segmentId: r.segment_id, label: r.label, description: r.description, size: r.size, profile: json(r.profile) });

/** A run's segments, largest first. */
export async function segmentsIn(db: Db, runId: number): Promise<ServedSegment[]> {
  const rows = (await db('segments').select('segment_id', 'label', 'description', 'size', 'profile').where({ run_id: runId }).orderBy([{ column: 'size', order: 'desc' }, 'segment_id'])) as SegmentRow[];
  return rows.map(segmentOf);
}

export async function segmentIn(db: Db, runId: number, segmentId: string): Promise<ServedSegment | null> {
  const row = (await db('segments').select('segment_id', 'label', 'description', 'size', 'profile').where({ run_id: runId, segment_id: segmentId }).first()) as SegmentRow | undefined;
  return row ? segmentOf(row) : null;
}

/** A customer's lifecycle row; purchase times as T (epoch ms when written, ISO text when served). */
export interface LifecycleRecord<T> {
  userId: string;
  stage: string;
  pNoPurchase90d: number;
  expectedSpend90d: number;
  valueAtRisk: number;
  churnRank: number | null;
  recencyDays: number;
  frequency: number;
  monetary: number;
  firstPurchaseAt: T | null;
  lastPurchaseAt: T | null;
  segmentId: string | null;
}

export type CustomerLifecycleView = LifecycleRecord<string>;

type LifecycleRow = {
  user_id: string; stage: string; p_no_purchase_90d: number; expected_spend_90d: number; value_at_risk: number; churn_rank: number | null;
  recency_days: number; frequency: number; monetary: number; first_purchase_at: string | null; last_purchase_at: string | null; segment_id: string | null;
};
const LIFECYCLE_COLUMNS = ['user_id', 'stage', 'p_no_purchase_90d', 'expected_spend_90d', 'value_at_risk', 'churn_rank', 'recency_days', 'frequency', 'monetary', 'first_purchase_at', 'last_purchase_at', 'segment_id'];
const lifecycleOf = (r: LifecycleRow): CustomerLifecycleView => ({
  userId: r.user_id, stage: r.stage, pNoPurchase90d: r.p_no_purchase_90d, expectedSpend90d: r.expected_spend_90d, valueAtRisk: r.value_at_risk,
  churnRank: r.churn_rank, recencyDays: r.recency_days, frequency: r.frequency, monetary: r.monetary,
  firstPurchaseAt: iso(r.first_purchase_at), lastPurchaseAt: iso(r.last_purchase_at), segmentId: r.segment_id,
});

/** One customer's lifecycle in a run, or null. */
export async function lifecycleIn(db: Db, runId: number, userId: string): Promise<CustomerLifecycleView | null> {
  const row = (await db('customer_lifecycle').select(LIFECYCLE_COLUMNS).where({ run_id: runId, user_id: userId }).first()) as LifecycleRow | undefined;
  return row ? lifecycleOf(row) : null;
}

/** A page of a segment's members (by customer id, after `after`), each with their lifecycle. */
export async function segmentMembersAfter(db: Db, runId: number, segmentId: string, after: string | null, limit: number): Promise<CustomerLifecycleView[]> {
  const q = db('segment_members as m')
    .leftJoin('customer_lifecycle as l', function on() {
      this.on('l.run_id', 'm.run_id').andOn('l.user_id', 'm.user_id');
    })
    .select(['m.user_id', ...LIFECYCLE_COLUMNS.filter((c) => c !== 'user_id').map((c) => `l.${c}`)])
    .where({ 'm.run_id': runId, 'm.segment_id': segmentId })
    .orderBy('m.user_id')
    .limit(limit);
  if (after !== null) void q.andWhere('m.user_id', '>', after);
  return ((await q) as LifecycleRow[]).map(lifecycleOf);
}

export interface ServedAudience {
  audienceId: string;
  kind: string;
  target: string | null;
  label: string;
  description: string;
  size: number;
  params: Record<string, unknown>;
}

type AudienceRow = { audience_id: string; kind: string; target: string | null; label: string; description: string; size: number; params: unknown };
const audienceOf = (r: AudienceRow): ServedAudience => ({ audienceId: r.audience_id, kind: r.kind, target: r.target, label: r.label, description: r.description, size: r.size, params: json(r.params) });
const AUDIENCE_COLUMNS = ['audience_id', 'kind', 'target', 'label', 'description', 'size', 'params'];

export async function audiencesIn(db: Db, runId: number): Promise<ServedAudience[]> {
  return ((await db('audiences').select(AUDIENCE_COLUMNS).where({ run_id: runId }).orderBy('audience_id')) as AudienceRow[]).map(audienceOf);
}

export async function audienceIn(db: Db, runId: number, audienceId: string): Promise<ServedAudience | null> {
  const row = (await db('audiences').select(AUDIENCE_COLUMNS).where({ run_id: runId, audience_id: audienceId }).first()) as AudienceRow | undefined;
  return row ? audienceOf(row) : null;
}

export interface AudienceMember {
  rank: number;
  userId: string;
  probability: number;
  value: number | null;
}

/** A page of an audience's members by rank, after rank `after`. */
export async function audienceMembersAfter(db: Db, runId: number, audienceId: string, after: number, limit: number): Promise<AudienceMember[]> {
  const rows = (await db('audience_members').select('rank', 'user_id', 'probability', 'value')
    .where({ run_id: runId, audience_id: audienceId }).andWhere('rank', '>', after).orderBy('rank').limit(limit)) as { rank: number; user_id: string; probability: number; value: number | null }[];
  return rows.map((r) => ({ rank: r.rank, userId: r.user_id, probability: r.probability, value: r.value }));
}

export interface ServedCampaign {
  campaignId: string;
  label: string;
  sourceKind: string;
  sourceId: string;
  list: string;
  topN: number;
  rules: Record<string, unknown>;
  attributeKeys: string[];
  size: number;
}

type CampaignRow = { campaign_id: string; label: string; source_kind: string; source_id: string; list: string; top_n: number; rules: unknown; attribute_keys: unknown; size: number };
const campaignOf = (r: CampaignRow): ServedCampaign => ({
  campaignId: r.campaign_id, label: r.label, sourceKind: r.source_kind, sourceId: r.source_id, list: r.list, topN: r.top_n, rules: json(r.rules),
  attributeKeys: (typeof r.attribute_keys === 'string' ? JSON.parse(r.attribute_keys) : r.attribute_keys) as string[], size: r.size,
});
const CAMPAIGN_COLUMNS = ['campaign_id', 'label', 'source_kind', 'source_id', 'list', 'top_n', 'rules', 'attribute_keys', 'size'];

export async function campaignsIn(db: Db, runId: number): Promise<ServedCampaign[]> {
  return ((await db('campaigns').select(CAMPAIGN_COLUMNS).where({ run_id: runId }).orderBy('campaign_id')) as CampaignRow[]).map(campaignOf);
}

export async function campaignIn(db: Db, runId: number, campaignId: string): Promise<ServedCampaign | null> {
  const row = (await db('campaigns').select(CAMPAIGN_COLUMNS).where({ run_id: runId, campaign_id: campaignId }).first()) as CampaignRow | undefined;
  return row ? campaignOf(row) : null;
}

/** A campaign customer with what the export shows; last order time as T (epoch ms written, ISO served), items as I. */
export interface CampaignMemberRecord<T, I> {
  position: number;
  userId: string;
  probability: number | null;
  segmentId: string | null;
  segmentLabel: string | null;
  stage: string | null;
  orders: number;
  spend: number;
  lastOrderAt: T | null;
  attributes: Record<string, string> | null;
  items: I[];
}

export type CampaignExportRow = CampaignMemberRecord<string, { itemId: string; title: string | null; reason: string; reasonText: string }>;

/** A page of a campaign's customers (by position, after `after`) with their items: two indexed range reads. */
export async function campaignRowsAfter(db: Db, runId: number, campaignId: string, after: number, limit: number): Promise<CampaignExportRow[]> {
  const members = (await db('campaign_members')
    .select('position', 'user_id', 'probability', 'segment_id', 'segment_label', 'stage', 'orders', 'spend', 'last_order_at', 'attributes')
    .where({ run_id: runId, campaign_id: campaignId }).andWhere('position', '>', after).orderBy('position').limit(limit)) as {
    position: number; user_id: string; probability: number | null; segment_id: string | null; segment_label: string | null; stage: string | null;
    orders: number; spend: number; last_order_at: string | null; attributes: unknown;
  }[];
  if (members.length === 0) return [];
  const last = members[members.length - 1]!.position;
  const items = (await db('campaign_items').select('position', 'item_id', 'title', 'reason', 'reason_text')
    .where({ run_id: runId, campaign_id: campaignId }).andWhere('position', '>', after).andWhere('position', '<=', last).orderBy(['position', 'rank'])) as {
    position: number; item_id: string; title: string | null; reason: string; reason_text: string;
  }[];
  const rows: CampaignExportRow[] = members.map((m) => ({
    position: m.position, userId: m.user_id, probability: m.probability, segmentId: m.segment_id, segmentLabel: m.segment_label, stage: m.stage,
    orders: m.orders, spend: m.spend, lastOrderAt: iso(m.last_order_at), attributes: m.attributes === null ? null : (json(m.attributes) as Record<string, string>), items: [],
  }));
  let k = 0;
  for (const it of items) {
    while (rows[k] && rows[k]!.position < it.position) k++;
    rows[k]?.items.push({ itemId: it.item_id, title: it.title, reason: it.reason, reasonText: it.reason_text });
  }
  return rows;
}

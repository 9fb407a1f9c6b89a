import { fitAffinity, scoreTarget, type AffinityModel } from './affinity';
import { catalogueView, itemsInCategory, type CatalogueView } from './catalogue';
import { itemReach } from './cooccurrence';
import { churnScores, CHURN_HORIZON_DAYS, lifecycleTable, type CustomerLifecycle, type LifecycleRules } from './lifecycle';
import { fitNewIn, newInScorer, type NewInModel, type NewInScorer } from './new-in';
import { segmentInput } from './segment-input';
import { segmentCustomers, slug, type Segmentation } from './segments';
import { buildSnapshot, type Snapshot } from './snapshot';
import { topK } from './topk';
import type { EventRecord, ItemRecord } from './types';

/**
 * Everything one `segment` run computes, without I/O: lifecycle and churn warnings, behavioural segments
 * matched to the previous run, affinity / high-intent / churn-warning audiences, and a new-in scorer.
 */

/** How a campaign run is made, whatever its snapshot was built from. */
export interface CampaignModelOptions {
  k: number;
  /** customer → segment id of the published run, to stay stable against */
  previous?: ReadonlyMap<string, string>;
  /** published P(buys in the intent horizon) per customer; others get the churn model's, over that horizon */
  intent?: ReadonlyMap<string, number>;
  intentHorizonDays: number;
  rules: LifecycleRules;
  audienceItems: readonly string[];
  audienceCategories: readonly string[];
  audienceSize: number;
  highIntentMinProbability: number;
  newInDays: number;
  /** seconds-level progress for long runs */
  progress?: (phase: string) => Promise<void>;
}

export interface CampaignRunOptions extends CampaignModelOptions {
  /** everything strictly before this instant is history */
  anchor: number;
  returns?: readonly EventRecord[];
}

/**
 * What the run's models that learn from past windows (churn, affinity, new-in) are fitted on: every clean event
 * and return, or on a big shop a sample of whole customers, each with their whole history.
 */
export interface FitSample {
  events: readonly EventRecord[];
  returns: readonly EventRecord[];
  /**
   * Customers in the shop per customer in the sample (1: no sample). The fits multiply the item counts they
   * learn from (buyers in 30 days, early buyers) by it, so that a weight learned on a sample applies to the
   * whole shop's counts when it scores.
   */
  countScale?: number;
}

export type AudienceKind = 'item' | 'category' | 'high-intent' | 'churn-warning';

export interface AudienceOut {
  audienceId: string;
  kind: AudienceKind;
  target: string | null;
  label: string;
  description: string;
  params: Record<string, unknown>;
  members: { userId: string; probability: number; value: number | null }[];
}

export interface CampaignRun {
  snap: Snapshot;
  cat: CatalogueView;
  segmentation: Segmentation;
  lifecycle: (CustomerLifecycle & { segmentId: string | null })[];
  /** P(buys in the intent horizon) per snapshot customer */
  intent: Float64Array;
  audiences: AudienceOut[];
  newIn: NewInScorer;
  /** how each model was fitted (stored with the run) */
  notes: { churn: string; fallbacks: string[]; affinity: Omit<AffinityModel, 'lr'> & { fitted: boolean }; newIn: Omit<NewInModel, 'lr'> & { fitted: boolean; items: number } };
  /** audiences asked for that could not be built (unknown item or category) */
  skipped: string[];
}

export const HIGH_INTENT = 'high-intent';
export const CHURN_WARNING = 'churn-warning';
export const itemAudienceId = (itemId: string): string => `item-${itemId}`;
export const categoryAudienceId = (name: string): string => `category-${slug(name)}`;

/**
 * A run's item vocabulary, sorted: items with events and the catalogue's. Catalogue items without events join it:
 * they can be new-in picks and audience targets.
 */
export function campaignItemIds(eventItemIds: Iterable<string>, items: readonly ItemRecord[]): string[] {
  const known = new Set(eventItemIds);
  for (const it of items) known.add(it.itemId);
  return [...known].sort();
}

/** Computes a whole campaign run from clean events (all held at once) and the catalogue. */
export async function computeCampaignRun(events: readonly EventRecord[], items: readonly ItemRecord[], o: CampaignRunOptions): Promise<CampaignRun> {
  const itemIds = campaignItemIds(events.flatMap((e) => (e.itemId === null ? [] : [e.itemId])), items);
  const snap = buildSnapshot(events, o.anchor, { returns: o.returns, itemIds });
  return campaignRunOn(snap, { events, returns: o.returns ?? [] }, items, o);
}

/**
 * Computes a whole campaign run from a snapshot of every customer at its anchor (over {@link campaignItemIds}),
 * the events its models are fitted on, and the catalogue: nothing here needs all of a shop's events at once.
 */
export async function campaignRunOn(snap: Snapshot, fit: FitSample, items: readonly ItemRecord[], o: CampaignModelOptions): Promise<CampaignRun> {
  const step = o.progress ?? (() => Promise.resolve());
  const cat = catalogueView(snap.itemIds, items);
  await step('churn model');
  const churn = await churnScores(fit.events, snap, fit.returns);
  const n = snap.userIds.length;
  const intent = Float64Array.from({ length: n }, (_, u) => {
    const published = o.intent?.get(snap.userIds[u]!);
    // P(no purchase in H) = P(none in 90)^(H/90) under a constant rate.
    return published ?? 1 - churn.pNoPurchase[u]! ** (o.intentHorizonDays / CHURN_HORIZON_DAYS);
  });
  await step('segments');
  const segmentation = segmentCustomers(segmentInput(snap, cat, intent), o.k, o.previous);
  const segmentOf = new Map<string, string>();
  for (const s of segmentation.segments) for (const u of s.userIds) segmentOf.set(u, s.segmentId);
  const lifecycle = lifecycleTable(snap, churn.pNoPurchase, o.rules).map((r) => ({ ...r, segmentId: segmentOf.get(r.userId) ?? null }));

  await step('audiences');
  const audiences: AudienceOut[] = [];
  const skipped: string[] = [];
  const best = Array.from(topK(intent, Math.min(o.audienceSize, n))).filter((u) => intent[u]! >= o.highIntentMinProbability);
  audiences.push({
    audienceId: HIGH_INTENT, kind: 'high-intent', target: null, label: `Likely to buy in the next ${o.intentHorizonDays} days`,
    description: `Customers by P(buys within ${o.intentHorizonDays} days)${o.highIntentMinProbability > 0 ? `, at least ${o.highIntentMinProbability}` : ''}, most likely first.`,
    params: { horizonDays: o.intentHorizonDays, minProbability: o.highIntentMinProbability, source: o.intent ? 'published intent' : 'churn model' },
    members: best.map((u) => ({ userId: snap.userIds[u]!, probability: intent[u]!, value: null })),
  });
  const warnings = lifecycle.filter((r) => r.churnRank !== null).sort((a, b) => a.churnRank! - b.churnRank!).slice(0, o.audienceSize);
  audiences.push({
    audienceId: CHURN_WARNING, kind: 'churn-warning', target: null, label: 'Churn warning',
    description: `At-risk customers (P(no purchase in ${CHURN_HORIZON_DAYS} days) ≥ ${o.rules.atRiskProbability}) by value at risk: the spend expected from them in ${CHURN_HORIZON_DAYS} days times that probability.`,
    params: { horizonDays: CHURN_HORIZON_DAYS, atRiskProbability: o.rules.atRiskProbability, method: churn.method },
    members: warnings.map((r) => ({ userId: r.userId, probability: r.pNoPurchase90d, value: r.valueAtRisk })),
  });
  const targets = [
    ...o.audienceItems.map((id) => ({ kind: 'item' as const, name: id, items: snap.itemIndex.has(id) ? Int32Array.of(snap.itemIndex.get(id)!) : new Int32Array(0) })),
    ...o.audienceCategories.map((c) => ({ kind: 'category' as const, name: c, items: itemsInCategory(cat, c) })),
  ];
  let affinity: AffinityModel = { horizonDays: 30, lr: null, trainRows: 0, trainPositives: 0 };
  if (targets.length > 0) affinity = fitAffinity(fit.events, items, snap.anchor, 30, fit.countScale);
  const reach = itemReach(snap);
  const done = new Set<string>();
  for (const t of targets) {
    const id = t.kind === 'item' ? itemAudienceId(t.name) : categoryAudienceId(t.name);
    if (done.has(id)) continue;
    done.add(id);
    if (t.items.length === 0) {
      skipped.push(`${id}: no ${t.kind} "${t.name}" in the catalogue or events`);
      continue;
    }
    const a = scoreTarget(affinity, snap, cat, reach, t.items, o.audienceSize);
    const title = t.kind === 'item' ? (cat.title[t.items[0]!] ?? t.name) : t.name;
    audiences.push({
      audienceId: id, kind: t.kind, target: t.name,
      label: t.kind === 'item' ? `Likely to buy ${title}` : `Likely to buy from ${t.name}`,
      description: `The ${o.audienceSize} customers most likely to buy ${t.kind === 'item' ? `item ${t.name}` : `anything in category ${t.name} (${t.items.length} items)`} in the next ${affinity.horizonDays} days, with P.`,
      params: { horizonDays: affinity.horizonDays, items: t.items.length, model: affinity.lr ? 'logistic' : 'fallback weights' },
      members: Array.from(a.users, (u, r) => ({ userId: snap.userIds[u]!, probability: a.probability[r]!, value: null })),
    });
  }
  await step('new-in');
  const newInModel = fitNewIn(fit.events, items, snap.anchor, o.newInDays, fit.countScale);
  const newIn = newInScorer(newInModel, snap, cat, 300, reach);
  const { lr: affLr, ...affRest } = affinity;
  const { lr: newLr, ...newRest } = newInModel;
  return {
    snap, cat, segmentation, lifecycle, intent, audiences, newIn, skipped,
    notes: { churn: churn.method, fallbacks: churn.fallbacks, affinity: { ...affRest, fitted: affLr !== null }, newIn: { ...newRest, fitted: newLr !== null, items: newIn.items.length } },
  };
}

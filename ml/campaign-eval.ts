import { fitAffinity, scoreTarget } from './affinity';
import { catalogueView } from './catalogue';
import { cleanEvents, returnEvents } from './clean';
import { itemReach } from './cooccurrence';
import { churnScores, CHURN_HORIZON_DAYS } from './lifecycle';
import { recallAtK, rocAuc } from './metrics';
import { fitNewIn, newInScorer } from './new-in';
import { segmentInput } from './segment-input';
import { segmentCustomers } from './segments';
import { buildSnapshot, DAY, purchasesInWindow } from './snapshot';
import { topK } from './topk';
import type { EventRecord, ItemRecord } from './types';

/** The campaign figures `npm run eval` adds to reports/eval.json (keys fixed by the campaigns issue). */
export interface CampaignReport {
  segments: { count: number; moved_share: number; customers: number; k: number };
  at_risk: { auc: number; recency_auc: number; customers: number; positives: number; split_ts: number; method: string };
  audiences: { precision_at_100: number; baseline_precision_at_100: number; items: number };
  new_in: { recall_at_10: number; baseline_recall_at_10: number; new_items: number; test_users: number };
}

export interface CampaignEvalOptions {
  /** start of the 30-day test window of the main protocol (audiences and new-in are measured there) */
  splitTs: number;
  /** end of the data's test window (exclusive): at-risk is measured on the 90 days before it */
  testEndTs: number;
  excludedItemIds?: readonly string[];
  items?: readonly ItemRecord[];
  /** segments of the two nightly runs compared for stability */
  segments?: number;
  log?: (m: string) => void;
}

const mean = (xs: number[]): number => (xs.length === 0 ? 0 : xs.reduce((s, v) => s + v, 0) / xs.length);

/**
 * At-risk: P(no purchase in the next 90 days) for every customer who bought before the cut, against days since
 * the last purchase (recency alone), by AUC on who really did not buy in the 90 days after the cut.
 */
export async function atRisk(clean: readonly EventRecord[], returns: readonly EventRecord[], cut: number): Promise<CampaignReport['at_risk']> {
  const train = clean.filter((e) => e.ts < cut);
  const snap = buildSnapshot(train, cut, { returns: returns.filter((e) => e.ts < cut) });
  const churn = await churnScores(train, snap, returns.filter((e) => e.ts < cut));
  const buyersAfter = new Set<string>();
  for (const e of clean) if (e.type === 'purchase' && e.ts >= cut && e.ts < cut + CHURN_HORIZON_DAYS * DAY) buyersAfter.add(e.userId);
  const p: number[] = [];
  const rec: number[] = [];
  const y: number[] = [];
  snap.userIds.forEach((id, u) => {
    if (snap.user.lines[u]! <= 0) return;
    p.push(churn.pNoPurchase[u]!);
    rec.push(cut - snap.user.lastBuyTs[u]!);
    y.push(buyersAfter.has(id) ? 0 : 1);
  });
  return { auc: rocAuc(p, y), recency_auc: rocAuc(rec, y), customers: y.length, positives: y.reduce((s, v) => s + v, 0), split_ts: cut, method: churn.method };
}

/**
 * Audiences: for the 20 most-bought items of the test window, the 100 customers most likely to buy each;
 * precision@100 against a baseline ranking the item's past buyers (most baskets, then most recent) and then
 * the most active customers.
 */
export function audiences(clean: readonly EventRecord[], items: readonly ItemRecord[], split: number, end: number): CampaignReport['audiences'] {
  const train = clean.filter((e) => e.ts < split);
  const snap = buildSnapshot(train, split);
  const bought = purchasesInWindow(clean, split, end, snap.itemIndex);
  const buyersOf = new Map<number, Set<number>>();
  for (const [uid, s] of bought) {
    const u = snap.userIndex.get(uid);
    for (const i of s) {
      let b = buyersOf.get(i);
      if (!b) buyersOf.set(i, (b = new Set()));
      if (u !== undefined) b.add(u);
    }
  }
  // The most-bought items of the test window, by distinct customers (known or new), known to the snapshot.
  const count = new Map<number, number>();
  for (const s of bought.values()) for (const i of s) count.set(i, (count.get(i) ?? 0) + 1);
  const targets = [...count].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, 20).map(([i]) => i);
  const model = fitAffinity(train, items, split);
  const cat = catalogueView(snap.itemIds, items);
  const reach = itemReach(snap);
  const activity = Float64Array.from(snap.user.baskets);
  const ours: number[] = [];
  const base: number[] = [];
  for (const i of targets) {
    const truth = buyersOf.get(i) ?? new Set<number>();
    const a = scoreTarget(model, snap, cat, reach, [i], 100);
    ours.push(Array.from(a.users).filter((u) => truth.has(u)).length / 100);
    // Baseline: the item's past buyers first (by baskets of it, then by how recently), then the most active.
    const past = new Float64Array(snap.userIds.length);
    for (let u = 0; u < snap.userIds.length; u++) {
      for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
        if (snap.item[p] === i && snap.lines[p]! > 0) past[u] = 1e6 + snap.baskets[p]! * 1e3 - (split - snap.lastBuyTs[p]!) / DAY;
      }
      if (past[u] === 0) past[u] = activity[u]!;
    }
    base.push(Array.from(topK(past, 100)).filter((u) => truth.has(u)).length / 100);
  }
  return { precision_at_100: mean(ours), baseline_precision_at_100: mean(base), items: targets.length };
}

/**
 * New-in: items first sold in the 30 days before the cut, ranked for each customer who bought any of them in
 * the test window; Recall@10 against ranking them by their early sales (purchase lines before the cut).
 */
export function newIn(clean: readonly EventRecord[], items: readonly ItemRecord[], split: number, end: number): CampaignReport['new_in'] {
  const train = clean.filter((e) => e.ts < split);
  const snap = buildSnapshot(train, split);
  const cat = catalogueView(snap.itemIds, items);
  const model = fitNewIn(train, items, split);
  const scorer = newInScorer(model, snap, cat, 100_000);
  const fresh = new Set(scorer.items);
  const sales = new Float64Array(snap.itemIds.length);
  for (let p = 0; p < snap.item.length; p++) sales[snap.item[p]!]! += snap.lines[p]!;
  const byEarlySales = Array.from(topK(Float64Array.from(scorer.items, (i) => sales[i]!), 10), (r) => scorer.items[r]!);
  const ours: number[] = [];
  const base: number[] = [];
  for (const [uid, s] of purchasesInWindow(clean, split, end, snap.itemIndex)) {
    const u = snap.userIndex.get(uid);
    const rel = new Set([...s].filter((i) => fresh.has(i)));
    if (u === undefined || rel.size === 0) continue;
    ours.push(recallAtK(scorer.picks(u, 10).map((p) => p.item), rel, 10));
    base.push(recallAtK(byEarlySales, rel, 10));
  }
  return { recall_at_10: mean(ours), baseline_recall_at_10: mean(base), new_items: fresh.size, test_users: ours.length };
}

/**
 * Two nightly segmentations (the last day of data and the day before), the second matched to the first:
 * how many segments, and the share of customers in both runs whose segment changed.
 */
export async function stability(clean: readonly EventRecord[], returns: readonly EventRecord[], items: readonly ItemRecord[], end: number, k: number): Promise<CampaignReport['segments']> {
  const night = async (anchor: number, previous?: ReadonlyMap<string, string>) => {
    const events = clean.filter((e) => e.ts < anchor);
    const snap = buildSnapshot(events, anchor, { returns: returns.filter((e) => e.ts < anchor) });
    const churn = await churnScores(events, snap, returns.filter((e) => e.ts < anchor));
    const input = segmentInput(snap, catalogueView(snap.itemIds, items), churn.pNoPurchase.map((p) => 1 - p));
    return segmentCustomers(input, k, previous);
  };
  const first = await night(end - DAY);
  const prev = new Map<string, string>();
  for (const s of first.segments) for (const u of s.userIds) prev.set(u, s.segmentId);
  const second = await night(end, prev);
  return { count: second.segments.length, moved_share: second.movedShare ?? 0, customers: second.segments.reduce((s, x) => s + x.userIds.length, 0), k };
}

/** Every campaign figure on one shop's events (raw: cleaned here with the protocol's rule). */
export async function evaluateCampaigns(events: readonly EventRecord[], opts: CampaignEvalOptions): Promise<CampaignReport> {
  const log = opts.log ?? (() => undefined);
  const excluded = { excludedItemIds: opts.excludedItemIds ?? [] };
  const clean = cleanEvents(events, excluded);
  const returns = returnEvents(events, excluded);
  const items = opts.items ?? [];
  const aud = audiences(clean, items, opts.splitTs, opts.testEndTs);
  log(`audiences: precision@100 ${aud.precision_at_100.toFixed(4)} (baseline ${aud.baseline_precision_at_100.toFixed(4)})`);
  const fresh = newIn(clean, items, opts.splitTs, opts.testEndTs);
  log(`new-in: Recall@10 ${fresh.recall_at_10.toFixed(4)} (baseline ${fresh.baseline_recall_at_10.toFixed(4)})`);
  const risk = await atRisk(clean, returns, opts.testEndTs - CHURN_HORIZON_DAYS * DAY);
  log(`at-risk: AUC ${risk.auc.toFixed(4)} (recency ${risk.recency_auc.toFixed(4)})`);
  const seg = await stability(clean, returns, items, opts.testEndTs, opts.segments ?? 6);
  log(`segments: ${seg.count}, moved ${(seg.moved_share * 100).toFixed(2)}%`);
  return { segments: seg, at_risk: risk, audiences: aud, new_in: fresh };
}

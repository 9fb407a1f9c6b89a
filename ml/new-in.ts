import { catalogueView, type CatalogueView } from './catalogue';
import { itemMask, itemReach, targetCosine, type ItemReach } from './cooccurrence';
import { fitLogistic, type LogisticModel } from './logistic';
import { mulberry32 } from './random';
import { buildSnapshot, DAY, purchasesInWindow, type Snapshot } from './snapshot';
import { topK } from './topk';
import type { EventRecord, ItemRecord } from './types';

/**
 * New-in picks: items first seen recently (little or no purchase history, so collaborative lists barely know
 * them) matched to each customer by category, title terms and co-viewing, plus how well the item started. A
 * logistic model weighs these on the previous window's new items (who bought them in the following horizon).
 */

export const NEW_IN_FEATURES = [
  'log_early_buyers', 'log_early_interactors', 'group_share', 'category_share', 'title_similarity', 'log_coview', 'own_interest',
] as const;
const D = NEW_IN_FEATURES.length;

/** Why an item was picked for a customer (the feature that added the most to its score). */
export type NewInReason = 'new-in-category' | 'new-similar-title' | 'new-goes-with' | 'new-seen-before' | 'new-popular';

export interface NewInModel {
  days: number;
  lr: LogisticModel | null;
  trainRows: number;
  trainPositives: number;
}

export interface NewInPick {
  item: number;
  score: number;
  reason: NewInReason;
  /** the customer's own item that the reason refers to (same category, similar title, goes with) */
  reasonItem: number | null;
}

/**
 * New items of a snapshot: first seen (any event) in the last `days`, best starters first, at most `max`.
 * Catalogue rows without any event are left out: nothing says when they arrived.
 */
export function newItemsAt(snap: Snapshot, days: number, max: number, reach: ItemReach = itemReach(snap)): Int32Array {
  const since = snap.anchor - days * DAY;
  const out: number[] = [];
  for (let i = 0; i < snap.itemIds.length; i++) {
    const first = snap.itemStats.firstTs[i]!;
    if (first >= since && first < Infinity) out.push(i);
  }
  out.sort((a, b) => reach.buyers[b]! - reach.buyers[a]! || reach.interactors[b]! - reach.interactors[a]! || a - b);
  return Int32Array.from(out.slice(0, max));
}

/** Per-new-item context shared by every customer: co-view lists inverted by the customer's item. */
interface NewContext {
  items: Int32Array;
  /** for each snapshot item j: the new items (positions in `items`) that go with it, and their cosine */
  withNew: Map<number, { k: number; c: number }[]>;
  early: Float64Array;
  earlyInteractors: Float64Array;
}

function newContext(snap: Snapshot, reach: ItemReach, items: Int32Array): NewContext {
  const withNew = new Map<number, { k: number; c: number }[]>();
  items.forEach((n, k) => {
    const cos = targetCosine(snap, itemMask(snap.itemIds.length, [n]), reach, true);
    for (let j = 0; j < cos.length; j++) {
      if (j === n || cos[j]! <= 0) continue;
      let l = withNew.get(j);
      if (!l) withNew.set(j, (l = []));
      l.push({ k, c: cos[j]! });
    }
  });
  return { items, withNew, early: Float64Array.from(items, (n) => reach.buyers[n]!), earlyInteractors: Float64Array.from(items, (n) => reach.interactors[n]!) };
}

/** Feature rows of one customer against every new item (rows × D), and what the reasons need. */
function userFeatures(snap: Snapshot, cat: CatalogueView, ctx: NewContext, u: number): { x: Float64Array; coBest: Int32Array } {
  const m = ctx.items.length;
  const x = new Float64Array(m * D);
  const coBest = new Int32Array(m).fill(-1);
  const coBestC = new Float64Array(m);
  const profile = new Map<number, number>();
  const groupW = new Map<number, number>();
  const catW = new Map<string, number>();
  const own = new Map<number, number>();
  let all = 0;
  const coSum = new Float64Array(m);
  for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
    const i = snap.item[p]!;
    const w = snap.decLong[p]!;
    all += w;
    own.set(i, snap.lines[p]! + snap.decShort[p]!);
    const g = cat.group[i]!;
    if (g >= 0) groupW.set(g, (groupW.get(g) ?? 0) + w);
    const c = cat.category[i];
    if (c) catW.set(c, (catW.get(c) ?? 0) + w);
    for (let t = cat.termStart[i]!; t < cat.termStart[i + 1]!; t++) profile.set(cat.term[t]!, (profile.get(cat.term[t]!) ?? 0) + w * cat.termWeight[t]!);
    for (const { k, c: cos } of ctx.withNew.get(i) ?? []) {
      coSum[k]! += cos;
      if (cos > coBestC[k]!) {
        coBestC[k] = cos;
        coBest[k] = i;
      }
    }
  }
  let norm = 0;
  for (const v of profile.values()) norm += v * v;
  norm = Math.sqrt(norm) || 1;
  ctx.items.forEach((n, k) => {
    let sim = 0;
    for (let t = cat.termStart[n]!; t < cat.termStart[n + 1]!; t++) sim += (profile.get(cat.term[t]!) ?? 0) * cat.termWeight[t]!;
    const g = cat.group[n]!;
    const c = cat.category[n];
    const o = k * D;
    x[o] = Math.log1p(ctx.early[k]!);
    x[o + 1] = Math.log1p(ctx.earlyInteractors[k]!);
    x[o + 2] = all > 0 && g >= 0 ? (groupW.get(g) ?? 0) / all : 0;
    x[o + 3] = all > 0 && c ? (catW.get(c) ?? 0) / all : 0;
    x[o + 4] = sim / norm;
    x[o + 5] = Math.log1p(10 * coSum[k]!);
    x[o + 6] = Math.log1p(own.get(n) ?? 0);
  });
  return { x, coBest };
}

// Without a labelled window: how the item started, then the customer's categories, titles and co-views.
const FALLBACK = [-6, 0.6, 0.2, 2, 2, 2, 1, 1];

function logitOf(m: NewInModel, x: Float64Array, off: number): number {
  if (!m.lr) {
    let s = FALLBACK[0]!;
    for (let j = 0; j < D; j++) s += FALLBACK[j + 1]! * x[off + j]!;
    return s;
  }
  let s = m.lr.coef[0]!;
  for (let j = 0; j < D; j++) s += m.lr.coef[j + 1]! * ((x[off + j]! - m.lr.mean[j]!) / m.lr.std[j]!);
  return s;
}

/** The personal feature that added the most to a pick's score, as its reason (popularity otherwise). */
function reasonOf(m: NewInModel, x: Float64Array, off: number): { reason: NewInReason; feature: number } {
  const reasons: [number, NewInReason][] = [[2, 'new-in-category'], [3, 'new-in-category'], [4, 'new-similar-title'], [5, 'new-goes-with'], [6, 'new-seen-before']];
  let best: { reason: NewInReason; feature: number } = { reason: 'new-popular', feature: -1 };
  let bestGain = 0;
  for (const [j, reason] of reasons) {
    const gain = m.lr ? m.lr.coef[j + 1]! * ((x[off + j]! - m.lr.mean[j]!) / m.lr.std[j]!) : FALLBACK[j + 1]! * x[off + j]!;
    if (x[off + j]! > 0 && gain > bestGain) {
      bestGain = gain;
      best = { reason, feature: j };
    }
  }
  return best;
}

/** The customer's item a reason points at: most co-viewed with the pick, the most similar title, or their favourite in its group. */
function reasonItem(snap: Snapshot, cat: CatalogueView, u: number, n: number, feature: number, coBest: number): number | null {
  if (feature === 5) return coBest >= 0 ? coBest : null;
  if (feature !== 2 && feature !== 3 && feature !== 4) return null;
  let best: number | null = null;
  let bestV = 0;
  for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
    const i = snap.item[p]!;
    if (i === n) continue;
    let v = 0;
    if (feature === 4) {
      for (let a = cat.termStart[i]!; a < cat.termStart[i + 1]!; a++) {
        for (let b = cat.termStart[n]!; b < cat.termStart[n + 1]!; b++) if (cat.term[a] === cat.term[b]) v += cat.termWeight[a]! * cat.termWeight[b]!;
      }
    } else if (feature === 3 ? cat.category[i] === cat.category[n] && cat.category[n] !== null : cat.group[i] === cat.group[n] && cat.group[n]! >= 0) v = snap.decLong[p]!;
    if (v > bestV) {
      bestV = v;
      best = i;
    }
  }
  return best;
}

/**
 * Fits the weights on the window one horizon back: the items new then, labelled by who bought them in the
 * following horizon (negatives sampled and weighted back). Null model when history or buyers are too thin.
 */
export function fitNewIn(
  events: readonly EventRecord[], items: readonly ItemRecord[], anchor: number, days = 30, countScale = 1, horizonDays = 30, maxItems = 300, seed = 13,
): NewInModel {
  const h = horizonDays * DAY;
  let minTs = Infinity;
  for (const e of events) if (e.ts < minTs) minTs = e.ts;
  const empty: NewInModel = { days, lr: null, trainRows: 0, trainPositives: 0 };
  const a0 = anchor - h;
  if (!(a0 - days * DAY > minTs)) return empty;
  const snap = buildSnapshot(events, a0);
  const cat = catalogueView(snap.itemIds, items);
  const reach = itemReach(snap);
  const fresh = newItemsAt(snap, days, maxItems, reach);
  if (fresh.length === 0) return empty;
  const ctx = newContext(snap, reach, fresh);
  // Counts of a sample at the whole shop's scale (see FitSample.countScale in campaign-run.ts).
  for (let k = 0; k < fresh.length; k++) {
    ctx.early[k]! *= countScale;
    ctx.earlyInteractors[k]! *= countScale;
  }
  const bought = purchasesInWindow(events, a0, anchor, snap.itemIndex);
  const pos = new Map<string, Set<number>>();
  const freshSet = new Set(fresh);
  let positives = 0;
  for (const [uid, s] of bought) {
    const hits = new Set([...s].filter((i) => freshSet.has(i)));
    if (hits.size > 0) pos.set(uid, hits);
    positives += hits.size;
  }
  if (positives < 5) return { ...empty, trainPositives: positives };
  const pairs = snap.userIds.length * fresh.length;
  const q = Math.min(1, (40 * positives) / Math.max(1, pairs - positives));
  const rand = mulberry32(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (let u = 0; u < snap.userIds.length; u++) {
    const mine = pos.get(snap.userIds[u]!);
    // Sampling first: most customers contribute no row, and their features are never computed.
    const keep = Array.from(fresh.keys()).filter((k) => (mine?.has(fresh[k]!) ?? false) || rand() < q);
    if (keep.length === 0) continue;
    const { x } = userFeatures(snap, cat, ctx, u);
    for (const k of keep) {
      for (let j = 0; j < D; j++) xs.push(x[k * D + j]!);
      const y = mine?.has(fresh[k]!) ? 1 : 0;
      ys.push(y);
      ws.push(y ? 1 : 1 / q);
    }
  }
  const lr = fitLogistic(Float64Array.from(xs), ys, ys.length, D, 1e-3, ws);
  return { days, lr, trainRows: ys.length, trainPositives: positives };
}

/** A ready scorer over one snapshot's new items: call `picks(u, k)` per customer. */
export interface NewInScorer {
  items: Int32Array;
  picks(u: number, k: number): NewInPick[];
}

/** Prepares picks at the snapshot's anchor for the model's new items (first seen in its `days`). */
export function newInScorer(m: NewInModel, snap: Snapshot, cat: CatalogueView, maxItems = 300, reach: ItemReach = itemReach(snap)): NewInScorer {
  const items = newItemsAt(snap, m.days, maxItems, reach);
  const ctx = newContext(snap, reach, items);
  return {
    items,
    picks(u, k) {
      if (items.length === 0) return [];
      const { x, coBest } = userFeatures(snap, cat, ctx, u);
      const s = Float64Array.from(items, (_, r) => logitOf(m, x, r * D));
      return Array.from(topK(s, Math.min(k, items.length)), (r) => {
        const { reason, feature } = reasonOf(m, x, r * D);
        const n = items[r]!;
        return { item: n, score: 1 / (1 + Math.exp(-s[r]!)), reason, reasonItem: reasonItem(snap, cat, u, n, feature, coBest[r]!) };
      });
    },
  };
}

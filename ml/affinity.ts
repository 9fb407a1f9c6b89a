import { catalogueView, itemsInCategory, type CatalogueView } from './catalogue';
import { itemMask, itemReach, targetCosine, type ItemReach } from './cooccurrence';
import { fitLogistic, type LogisticModel } from './logistic';
import { mulberry32 } from './random';
import { buildSnapshot, DAY, purchasesInWindow, type Snapshot } from './snapshot';
import { topK } from './topk';
import type { EventRecord, ItemRecord } from './types';

/**
 * Affinity audiences: P(customer buys the target, an item or anything in a category, within the horizon). One
 * logistic model over a handful of (customer, target) features, fitted on the window that ended one horizon
 * ago (targets: that window's best sellers and biggest categories), so the probabilities are calibrated on the
 * shop's own recent past.
 */

export const AFFINITY_FEATURES = [
  'log_target_baskets', 'target_recency', 'log_target_interest', 'log_cobuy_sum', 'cobuy_max', 'group_share',
  'log_baskets90', 'log_recency', 'log_baskets', 'log_target_buyers30', 'active_past_buyer', 'repeat_share_if_bought', 'log_baskets30',
] as const;
const D = AFFINITY_FEATURES.length;

export interface AffinityModel {
  horizonDays: number;
  /** null: too little history for a labelled window; the fixed fallback weights are used */
  lr: LogisticModel | null;
  /** (customer, target) rows it learned from, and how many bought */
  trainRows: number;
  trainPositives: number;
}

/** Everything a target's features need, computed once per target. */
interface TargetContext {
  inTarget: Uint8Array;
  inGroup: Uint8Array;
  cobuy: Float64Array;
  buyers30: number;
  /** share of the target's buyers who bought it in two or more baskets */
  repeatShare: number;
}

function targetContext(snap: Snapshot, cat: CatalogueView, reach: ItemReach, items: ArrayLike<number>): TargetContext {
  const n = snap.itemIds.length;
  const inTarget = itemMask(n, items);
  const groups = new Set<number>();
  for (let k = 0; k < items.length; k++) if (cat.group[items[k]!]! >= 0) groups.add(cat.group[items[k]!]!);
  const inGroup = Uint8Array.from(cat.group, (g) => (groups.has(g) ? 1 : 0));
  // Customers of the target in the last 30 days (distinct), a popularity level for calibration across targets.
  let buyers30 = 0;
  for (let u = 0; u < snap.userIds.length; u++) {
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
      if (inTarget[snap.item[p]!] && snap.lines[p]! > 0 && snap.anchor - snap.lastBuyTs[p]! < 30 * DAY) {
        buyers30++;
        break;
      }
    }
  }
  let buyers = 0;
  let repeaters = 0;
  for (let k = 0; k < items.length; k++) {
    buyers += snap.itemStats.buyers[items[k]!]!;
    repeaters += snap.itemStats.repeatBuyers[items[k]!]!;
  }
  return { inTarget, inGroup, cobuy: targetCosine(snap, inTarget, reach, false), buyers30, repeatShare: buyers > 0 ? repeaters / buyers : 0 };
}

/** One customer's feature row for a target, written at `out[off…off+D)`. */
function featureRow(snap: Snapshot, t: TargetContext, u: number, out: Float64Array, off: number): void {
  const us = snap.user;
  let baskets = 0;
  let lastBuy = -Infinity;
  let interest = 0;
  let coSum = 0;
  let coMax = 0;
  let all = 0;
  let inGroup = 0;
  for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
    const i = snap.item[p]!;
    const w = snap.decLong[p]!;
    all += w;
    if (t.inGroup[i]) inGroup += w;
    if (t.inTarget[i]) {
      baskets += snap.baskets[p]!;
      lastBuy = Math.max(lastBuy, snap.lastBuyTs[p]!);
      interest += snap.decShort[p]!;
    } else if (snap.lines[p]! > 0) {
      const c = t.cobuy[i]!;
      coSum += c;
      if (c > coMax) coMax = c;
    }
  }
  const recency = us.lastBuyTs[u]! > -Infinity ? (snap.anchor - us.lastBuyTs[u]!) / DAY : 730;
  out[off] = Math.log1p(baskets);
  out[off + 1] = lastBuy > -Infinity ? Math.exp(-(snap.anchor - lastBuy) / (30 * DAY)) : 0;
  out[off + 2] = Math.log1p(interest);
  out[off + 3] = Math.log1p(coSum);
  out[off + 4] = coMax;
  out[off + 5] = all > 0 ? inGroup / all : 0;
  out[off + 6] = Math.log1p(us.baskets90[u]!);
  out[off + 7] = Math.log1p(recency);
  out[off + 8] = Math.log1p(us.baskets[u]!);
  out[off + 9] = Math.log1p(t.buyers30);
  out[off + 10] = out[off] * out[off + 6]!;
  out[off + 11] = baskets > 0 ? t.repeatShare : 0;
  out[off + 12] = Math.log1p(us.baskets30[u]!);
}

// Without a labelled window: the customer's own purchases of the target, then co-purchases and activity.
const FALLBACK = [-5, 1.2, 2, 0.5, 0.8, 3, 1, 0.5, -0.3, 0.2, 0.1, 0, 0, 0];

function predictRow(m: AffinityModel, x: Float64Array, off: number): number {
  let s: number;
  if (m.lr) {
    s = m.lr.coef[0]!;
    for (let j = 0; j < D; j++) s += m.lr.coef[j + 1]! * ((x[off + j]! - m.lr.mean[j]!) / m.lr.std[j]!);
  } else {
    s = FALLBACK[0]!;
    for (let j = 0; j < D; j++) s += FALLBACK[j + 1]! * x[off + j]!;
  }
  return 1 / (1 + Math.exp(-s));
}

/** Targets a model learns from: the window's best-selling items, and its biggest categories (or taste groups). */
function trainingTargets(cat: CatalogueView, reach: ItemReach, snapRecent: Float32Array, items: number, categories: number): Int32Array[] {
  // What sells now, not what sold most ever: audiences are asked for current items (and seasons move).
  const recent = snapRecent;
  const byBuyers = Array.from(reach.buyers.keys()).sort((a, b) => recent[b]! - recent[a]! || reach.buyers[b]! - reach.buyers[a]! || a - b);
  const out: Int32Array[] = byBuyers.slice(0, items).filter((i) => reach.buyers[i]! >= 2).map((i) => Int32Array.of(i));
  const names = new Map<string, number>();
  for (let i = 0; i < cat.itemIds.length; i++) {
    const name = cat.category[i] ?? (cat.group[i]! >= 0 ? cat.groups[cat.group[i]!]! : null);
    if (name !== null) names.set(name, (names.get(name) ?? 0) + reach.buyers[i]!);
  }
  for (const [name] of [...names].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, categories)) out.push(itemsInCategory(cat, name));
  return out;
}

/**
 * Fits the affinity model at `anchor`: features at anchor − horizon, labels = bought the target in the
 * following horizon. Negatives are sampled (weighted back) so big shops stay fast; null model when the
 * history is shorter than two horizons or nobody bought a training target.
 */
export function fitAffinity(
  events: readonly EventRecord[], items: readonly ItemRecord[], anchor: number, horizonDays = 30, countScale = 1, seed = 11, windows = 3,
): AffinityModel {
  const h = horizonDays * DAY;
  let minTs = Infinity;
  for (const e of events) if (e.ts < minTs) minTs = e.ts;
  const empty: AffinityModel = { horizonDays, lr: null, trainRows: 0, trainPositives: 0 };
  const rand = mulberry32(seed);
  const xs: number[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  const row = new Float64Array(D);
  // The newest windows first: each needs a horizon of history before it.
  for (let w = 1; w <= windows && anchor - (w + 1) * h >= minTs; w++) {
    const a0 = anchor - w * h;
    const snap = buildSnapshot(events, a0);
    const cat = catalogueView(snap.itemIds, items);
    const reach = itemReach(snap);
    const bought = purchasesInWindow(events, a0, a0 + h, snap.itemIndex);
    const users = snap.userIds.length;
    for (const target of trainingTargets(cat, reach, snap.itemStats.buyers30, 60, 10)) {
      const t = targetContext(snap, cat, reach, target);
      // Counts of a sample at the whole shop's scale (see FitSample.countScale in campaign-run.ts).
      t.buyers30 *= countScale;
      const label = new Uint8Array(users);
      let pos = 0;
      for (let u = 0; u < users; u++) {
        const s = bought.get(snap.userIds[u]!);
        if (!s) continue;
        for (const i of s) {
          if (t.inTarget[i]) {
            label[u] = 1;
            pos++;
            break;
          }
        }
      }
      if (pos === 0) continue;
      // Keep every buyer and about 30 non-buyers per buyer, each weighted by the inverse of its sampling rate.
      const q = Math.min(1, (30 * pos) / Math.max(1, users - pos));
      for (let u = 0; u < users; u++) {
        if (!label[u] && rand() >= q) continue;
        featureRow(snap, t, u, row, 0);
        for (let j = 0; j < D; j++) xs.push(row[j]!);
        ys.push(label[u]!);
        ws.push(label[u] ? 1 : 1 / q);
      }
    }
  }
  const positives = ys.reduce((s, v) => s + v, 0);
  if (positives < 5) return { ...empty, trainRows: ys.length, trainPositives: positives };
  const lr = fitLogistic(Float64Array.from(xs), ys, ys.length, D, 1e-3, ws);
  return { horizonDays, lr, trainRows: ys.length, trainPositives: positives };
}

/** An audience: snapshot user indices, best first, with their probabilities. */
export interface ScoredAudience {
  users: Int32Array;
  probability: Float64Array;
}

/** Scores every customer of `snap` for a target and keeps the `size` most likely (optionally those at or above `minProbability`). */
export function scoreTarget(
  m: AffinityModel, snap: Snapshot, cat: CatalogueView, reach: ItemReach, targetItems: ArrayLike<number>, size: number, minProbability = 0,
): ScoredAudience {
  const users = snap.userIds.length;
  const t = targetContext(snap, cat, reach, targetItems);
  const p = new Float64Array(users);
  const row = new Float64Array(D);
  for (let u = 0; u < users; u++) {
    featureRow(snap, t, u, row, 0);
    p[u] = predictRow(m, row, 0);
  }
  const top = Array.from(topK(p, Math.min(size, users))).filter((u) => p[u]! >= minProbability);
  return { users: Int32Array.from(top), probability: Float64Array.from(top, (u) => p[u]!) };
}

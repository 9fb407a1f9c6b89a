import { BASKET_DECAY_DAYS, DAY, type Snapshot } from './snapshot';

/**
 * Names of the intent features, in column order. The first 18 are the original set; later columns are only
 * appended, so a model fitted on fewer columns still reads its own prefix (older artefacts keep working).
 */
export const INTENT_FEATURES = [
  'log_recency', 'log_frequency', 'log_monetary', 'log_tenure', 'rate', 'log_baskets30', 'log_baskets90', 'trend',
  'log_items', 'log_lines', 'log_searches30', 'log_views30', 'log_carts30', 'log_purchases30', 'log_overdue', 'active3', 'active6', 'active12',
  'log_baskets7', 'log_baskets180', 'active_weeks13', 'active_weeks26', 'log_buy_days', 'log_mean_gap', 'repeat',
  'log_avg_basket', 'log_buy_span', 'log_expected_in_30d',
  'log_returns', 'log_days_since_return', 'mean_log_qty', 'mean_log_price', 'mean_hour',
  ...BASKET_DECAY_DAYS.map((d) => `log_baskets_decay${d}` as const), 'active_share12', 'item_momentum',
] as const;
export const N_INTENT_FEATURES = INTENT_FEATURES.length;
const D = N_INTENT_FEATURES;

/**
 * How much each item's buying is rising: ln((buyers in the last 30 days + 1) / (buyers 30–90 days ago per
 * 30 days + 1)). Customers whose items are in season (gifts before Christmas, garden in spring) are about to
 * buy again. Computed on a whole-population snapshot; scoring shards use the vector stored with the model.
 */
export function itemMomentum(snap: Snapshot): Float32Array {
  const it = snap.itemStats;
  return Float32Array.from(it.buyers30, (b30, i) => Math.log((b30 + 1) / ((it.buyers90[i]! - b30) / 2 + 1)));
}

/**
 * Intent features of every user of a snapshot who has any event before its anchor (others get none).
 * `momentum` ({@link itemMomentum}, indexed like the snapshot's items) defaults to the snapshot's own.
 */
export function intentFeatures(snap: Snapshot, momentum: Float32Array = itemMomentum(snap)): { users: number[]; x: Float32Array } {
  const us = snap.user;
  const users: number[] = [];
  for (let u = 0; u < snap.userIds.length; u++) if (us.lines[u]! > 0 || us.lastTs[u]! > -Infinity) users.push(u);
  const x = new Float32Array(users.length * D);
  const l1p = Math.log1p;
  users.forEach((u, r) => {
    const last = us.lastBuyTs[u]! > -Infinity ? us.lastBuyTs[u]! : us.lastTs[u]!;
    const recency = (snap.anchor - last) / DAY;
    const tenure = (snap.anchor - us.firstTs[u]!) / DAY;
    const f = us.baskets[u]!;
    const gap = tenure / Math.max(1, f);
    const buySpan = us.firstBuyTs[u]! > -Infinity ? (us.lastBuyTs[u]! - us.firstBuyTs[u]!) / DAY : 0;
    // Typical inter-purchase gap, only meaningful with 2+ baskets (else the tenure stands in).
    const meanGap = f >= 2 ? buySpan / (f - 1) : tenure + 30;
    // Poisson rate with a one-basket prior over tenure + 30 days, damped when the customer is overdue
    // against their own rhythm: a closed-form stand-in for BG/NBD's "still alive" times expected purchases.
    const rate = (f + 0.5) / (tenure + 30);
    const alive = Math.exp(-Math.max(0, recency - 2 * meanGap) / (meanGap + 30));
    const lines = Math.max(1, us.lines[u]!);
    const sinceReturn = us.lastReturnTs[u]! > -Infinity ? (snap.anchor - us.lastReturnTs[u]!) / DAY : 400;
    const buyMonths = us.firstBuyTs[u]! > -Infinity ? Math.ceil((snap.anchor - us.firstBuyTs[u]!) / (30 * DAY)) : 0;
    let mom = 0;
    let momW = 0;
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
      mom += snap.lines[p]! * (momentum[snap.item[p]!] ?? 0);
      momW += snap.lines[p]!;
    }
    const nd = BASKET_DECAY_DAYS.length;
    const row = [
      l1p(recency), l1p(f), l1p(Math.max(0, us.monetary[u]!)), l1p(tenure),
      f / (tenure / 30 + 1), l1p(us.baskets30[u]!), l1p(us.baskets90[u]!),
      Math.log((us.baskets30[u]! + 1) / (us.baskets90[u]! / 3 + 1)), l1p(us.distinctItems[u]!),
      l1p(us.lines[u]!), l1p(us.mix30[u * 4]!), l1p(us.mix30[u * 4 + 1]!),
      l1p(us.mix30[u * 4 + 2]!), l1p(us.mix30[u * 4 + 3]!), Math.log((recency + 1) / (gap + 1)), us.activePeriods3[u]!, us.activePeriods6[u]!, us.activePeriods12[u]!,
      l1p(us.baskets7[u]!), l1p(us.baskets180[u]!), us.activeWeeks13[u]!, us.activeWeeks26[u]!, l1p(us.buyDays[u]!),
      l1p(meanGap), f >= 2 ? 1 : 0, l1p(Math.max(0, us.monetary[u]!) / Math.max(1, f)), l1p(buySpan),
      l1p(rate * 30 * alive),
      l1p(us.returns[u]!), l1p(Math.min(400, sinceReturn)), us.sumLogQty[u]! / lines, us.sumLogPrice[u]! / lines,
      us.sumHour[u]! / lines, ...Array.from(us.basketDecay.subarray(u * nd, (u + 1) * nd), l1p),
      buyMonths > 0 ? us.activePeriods12[u]! / Math.min(12, buyMonths) : 0, momW > 0 ? mom / momW : 0,
    ];
    for (let j = 0; j < D; j++) x[r * D + j] = Number.isFinite(row[j]!) ? row[j]! : 0;
  });
  return { users, x };
}

/** The first `d` columns of a row-major matrix with `D` columns (models fitted on an older, shorter feature set). */
export function leadingColumns(x: Float32Array, d: number, width = D): Float32Array {
  if (d === width) return x;
  const rows = x.length / width;
  const out = new Float32Array(rows * d);
  for (let r = 0; r < rows; r++) out.set(x.subarray(r * width, r * width + d), r * d);
  return out;
}

/** Transparent score when no labelled window exists: log of the expected baskets in the horizon (column 27). */
export function heuristicLogit(x: Float32Array, rows: number): Float32Array {
  const z = new Float32Array(rows);
  for (let r = 0; r < rows; r++) z[r] = Math.log(Math.expm1(x[r * D + 27]!) + 1e-3);
  return z;
}

/** Column means and standard deviations of intent feature rows over one population: a label window's customers, or those at the cut. */
export interface FeatureScale {
  mean: Float32Array;
  std: Float32Array;
}

/** The rows standardised column by column with `s` (a new array; a column with no spread keeps sd 1). */
export function standardiseRows(x: Float32Array, s: FeatureScale): Float32Array {
  const d = s.mean.length;
  return x.map((v, i) => (v - s.mean[i % d]!) / s.std[i % d]!);
}

import { accumulateSparse } from './ease';
import type { Snapshot } from './snapshot';
import { DAY } from './snapshot';
import type { FittedSources } from './sources';
import { topK } from './topk';

/** Names of the ranker features, in column order (documentation and reports). */
export const RANKER_FEATURES = [
  'log_lines', 'log_baskets', 'log_decay_short', 'log_decay_long', 'log_days_since_item', 'log_days_since_first_item',
  'bought', 'strength', 'ease', 'log_ease_rank', 'cosine', 'log_cosine_rank', 'log_buyers', 'log_buyers30', 'log_buyers7',
  'trend', 'repeat_rate', 'log_user_baskets', 'log_user_recency', 'log_user_items', 'log_user_baskets30', 'basket_share',
  'log_reorder_rank', 'log_item_age', 'log_price', 'log_due_ratio', 'has_gap', 'ease_share', 'log_trending_rank',
] as const;
export const N_FEATURES = RANKER_FEATURES.length;

/** How many candidates each source contributes per user. */
export interface CandidateParams {
  fromEase: number;
  fromCosine: number;
  fromTrending: number;
}

export const DEFAULT_CANDIDATES: CandidateParams = { fromEase: 100, fromCosine: 30, fromTrending: 30 };

/** Candidates of one user with their feature rows, the EASE score and the strongest "bought with" item. */
export interface UserCandidates {
  items: Int32Array;
  feats: Float32Array;
  ease: Float64Array;
  voter: Int32Array;
  bought: Uint8Array;
}

/** Reusable per-item buffers (one set per thread), so scoring allocates nothing per user. */
export interface Scratch {
  ease: Float64Array;
  cos: Float64Array;
  best: Float64Array;
  from: Int32Array;
  /** mark[i] === stamp when item i is already a candidate of the current call */
  mark: Int32Array;
  stamp: number;
  trendRank: Int32Array;
}

/** Allocates the scratch buffers for a catalogue of n items. */
export function makeScratch(src: FittedSources): Scratch {
  const n = src.itemIds.length;
  const trendRank = new Int32Array(n).fill(src.trending.length + 50);
  src.trending.forEach((i, r) => {
    trendRank[i] = r;
  });
  return {
    ease: new Float64Array(n), cos: new Float64Array(n), best: new Float64Array(n), from: new Int32Array(n),
    mark: new Int32Array(n).fill(-1), stamp: 0, trendRank,
  };
}

const l1p = Math.log1p;

/**
 * Builds the candidate set of user `u` (everything they interacted with, plus the top EASE, co-purchase and
 * trending items) and one feature row per candidate. `excludeBought` restricts to never-bought items (discover).
 */
export function userCandidates(
  src: FittedSources, snap: Snapshot, u: number, cp: CandidateParams, sc: Scratch, excludeBought = false,
): UserCandidates {
  const anchor = snap.anchor;
  const s = snap.rowStart[u]!;
  const e = snap.rowStart[u + 1]!;
  const hist = snap.item.subarray(s, e);
  sc.ease.fill(0);
  sc.cos.fill(0);
  sc.best.fill(0);
  sc.from.fill(-1);
  accumulateSparse(sc.ease, src.ease, hist, snap.strength.subarray(s, e), sc.from, sc.best);
  const buyIdx: number[] = [];
  for (let p = s; p < e; p++) if (snap.lines[p]! > 0) buyIdx.push(snap.item[p]!);
  accumulateSparse(sc.cos, src.cosine, buyIdx, null);
  const cands: number[] = [];
  const rowOf = new Map<number, number>();
  const stamp = ++sc.stamp;
  const add = (i: number, p: number): void => {
    if (sc.mark[i] === stamp) return;
    sc.mark[i] = stamp;
    rowOf.set(i, p);
    cands.push(i);
  };
  for (let p = s; p < e; p++) if (!(excludeBought && snap.lines[p]! > 0)) add(snap.item[p]!, p);
  const isBought = (i: number): boolean => {
    const p = rowOf.get(i);
    return p !== undefined && snap.lines[p]! > 0;
  };
  const excl = excludeBought ? new Uint8Array(src.itemIds.length) : null;
  if (excl) for (const i of buyIdx) excl[i] = 1;
  for (const i of topK(sc.ease, cp.fromEase, excl)) add(i, -1);
  for (const i of topK(sc.cos, cp.fromCosine, excl)) add(i, -1);
  let t = 0;
  for (const i of src.trending) {
    if (t >= cp.fromTrending) break;
    if (excl && excl[i]) continue;
    add(i, -1);
    t++;
  }
  // Ranks among this user's candidates: scale-free views of each source's opinion.
  const nC = cands.length;
  const rankBy = (vals: (i: number) => number): Float32Array => {
    const order = cands.map((_, c) => c).sort((a, b) => vals(cands[b]!) - vals(cands[a]!));
    const r = new Float32Array(nC);
    order.forEach((c, pos) => {
      r[c] = pos;
    });
    return r;
  };
  const easeRank = rankBy((i) => sc.ease[i]!);
  const cosRank = rankBy((i) => sc.cos[i]!);
  const linesOf = (i: number): number => {
    const p = rowOf.get(i);
    return p !== undefined && p >= 0 ? snap.lines[p]! : 0;
  };
  const reorderRank = rankBy((i) => linesOf(i) * 1e3 + src.buyers[i]! * 1e-3);
  let maxEase = 1e-9;
  for (const i of cands) maxEase = Math.max(maxEase, sc.ease[i]!);
  const us = snap.user;
  const uBaskets = us.baskets[u]!;
  const uRecency = us.lastBuyTs[u]! > -Infinity ? (anchor - us.lastBuyTs[u]!) / DAY : 1000;
  const feats = new Float32Array(nC * N_FEATURES);
  const items = Int32Array.from(cands);
  const ease = new Float64Array(nC);
  const voter = new Int32Array(nC);
  const bought = new Uint8Array(nC);
  for (let c = 0; c < nC; c++) {
    const i = cands[c]!;
    const p = rowOf.get(i) ?? -1;
    const lines = p >= 0 ? snap.lines[p]! : 0;
    const baskets = p >= 0 ? snap.baskets[p]! : 0;
    const lastBuy = p >= 0 ? snap.lastBuyTs[p]! : -Infinity;
    const firstTs = p >= 0 ? snap.firstTs[p]! : -Infinity;
    const sinceItem = lastBuy > -Infinity ? (anchor - lastBuy) / DAY : 1000;
    const sinceFirst = firstTs > -Infinity ? (anchor - firstTs) / DAY : 1000;
    const gap = baskets >= 2 ? (lastBuy - firstTs) / DAY / (baskets - 1) : 0;
    const b30 = src.buyers30[i]!;
    const b90 = src.buyers90[i]!;
    const f = c * N_FEATURES;
    const row = [
      l1p(lines), l1p(baskets), l1p(p >= 0 ? snap.decShort[p]! : 0), l1p(p >= 0 ? snap.decLong[p]! : 0), l1p(sinceItem),
      l1p(sinceFirst), lines > 0 ? 1 : 0, p >= 0 ? snap.strength[p]! : 0, sc.ease[i]!, l1p(easeRank[c]!), sc.cos[i]!,
      l1p(cosRank[c]!), l1p(src.buyers[i]!), l1p(b30), l1p(src.buyers7[i]!), Math.log((b30 + 1) / (b90 / 3 + 1)),
      src.repeatRate[i]!, l1p(uBaskets), l1p(uRecency), l1p(us.distinctItems[u]!), l1p(us.baskets30[u]!),
      uBaskets > 0 ? baskets / uBaskets : 0, l1p(reorderRank[c]!), l1p(Math.max(0, (anchor - src.firstTs[i]!) / DAY)),
      l1p(src.price[i]!), gap > 0 ? Math.log((sinceItem + 1) / (gap + 1)) : 0, gap > 0 ? 1 : 0, sc.ease[i]! / maxEase,
      l1p(sc.trendRank[i]!),
    ];
    for (let j = 0; j < N_FEATURES; j++) feats[f + j] = Number.isFinite(row[j]!) ? row[j]! : 0;
    ease[c] = sc.ease[i]!;
    voter[c] = sc.from[i]!;
    bought[c] = isBought(i) ? 1 : 0;
  }
  return { items, feats, ease, voter, bought };
}

import { argsortDesc } from './argsort';
import type { Snapshot } from './snapshot';
import { DAY } from './snapshot';
import type { FittedSources } from './sources';
import { SparseScores } from './sparse-scores';

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

/** Reusable per-item buffers (one set per thread), so scoring allocates nothing of catalogue length per user. */
export interface Scratch {
  /** EASE scores of the current user, with the strongest voter per item */
  ease: SparseScores;
  /** co-purchase cosine scores of the current user */
  cos: SparseScores;
  /** mark[i] === stamp when item i is already a candidate of the current call */
  mark: Int32Array;
  /** for a candidate, its row in the user's snapshot rows (−1: not in their history) */
  rowOf: Int32Array;
  stamp: number;
  /** 1 for the items the current user bought (set and cleared per call) */
  excl: Uint8Array;
  trendRank: Int32Array;
  /** item-level feature columns at {@link Scratch.itemColsAnchor} (filled on first use) */
  itemCols: Float64Array | null;
  itemColsAnchor: number;
  /** the customer whose votes {@link Scratch.ease} and {@link Scratch.cos} hold (both lists of a customer share them) */
  votesOf: { snap: Snapshot | null; u: number };
  /** that customer's best EASE and co-purchase items, bought ones included (see {@link sharedTop}) */
  easeTop: SharedTop;
  cosTop: SharedTop;
  /** an item's place among the current list's candidates, −1 elsewhere (left all −1 between uses) */
  candPos: Int32Array;
  /** per-call work arrays of {@link userCandidates}, grown to the most candidates seen (never escape a call) */
  work: { order: Int32Array; vals: Float64Array; ranks: Float32Array; row: Float64Array };
}

/** A source's top items for the current customer, `k` asked for (empty until first asked). */
export interface SharedTop {
  k: number;
  items: Int32Array;
}

export const noTop = (): SharedTop => ({ k: -1, items: new Int32Array(0) });

/**
 * The `k` best items of `scores`, without the `excl`uded ones when given, from one top list per customer: the best
 * k + |bought| items, bought ones included, hold the best k of either kind (at most |bought| of them are
 * excluded), so the for-you and discover candidates of a customer cost one top-K instead of two. The result is
 * exactly `scores.topK(k, excl)`: items outside the longer list's pool are worse than every item in it.
 * (Exported for its test.)
 */
export function sharedTop(top: SharedTop, scores: SparseScores, k: number, bought: number, excl: Uint8Array | null): ArrayLike<number> {
  if (top.k !== k + bought) {
    top.k = k + bought;
    top.items = scores.topK(top.k, null);
  }
  if (!excl) return top.items.subarray(0, k);
  const out: number[] = [];
  for (let t = 0; t < top.items.length && out.length < k; t++) if (!excl[top.items[t]!]) out.push(top.items[t]!);
  return out;
}

/** Allocates the scratch buffers for a catalogue of n items. */
export function makeScratch(src: FittedSources): Scratch {
  const n = src.itemIds.length;
  const trendRank = new Int32Array(n).fill(src.trending.length + 50);
  src.trending.forEach((i, r) => {
    trendRank[i] = r;
  });
  return {
    ease: new SparseScores(n), cos: new SparseScores(n), mark: new Int32Array(n).fill(-1), rowOf: new Int32Array(n),
    stamp: 0, excl: new Uint8Array(n), trendRank, itemCols: null, itemColsAnchor: NaN, votesOf: { snap: null, u: -1 },
    easeTop: noTop(), cosTop: noTop(), candPos: new Int32Array(n).fill(-1),
    work: { order: new Int32Array(0), vals: new Float64Array(0), ranks: new Float32Array(0), row: new Float64Array(N_FEATURES) },
  };
}

const l1p = Math.log1p;

/** One scratch per fitted model, reused by every scoring call on it (a shard scores many slices with one model). */
const scratches = new WeakMap<FittedSources, Scratch>();

/** The model's reusable scratch (see {@link makeScratch}); scoring calls run one at a time per thread. */
export function scratchFor(src: FittedSources): Scratch {
  let sc = scratches.get(src);
  if (!sc) {
    sc = makeScratch(src);
    scratches.set(src, sc);
  }
  return sc;
}

/** Position of each candidate when sorted by `vals` descending (a stable sort: ties keep candidate order). */
function ranksBy(vals: Float64Array, order: Int32Array, out: Float32Array): void {
  const n = vals.length;
  for (let c = 0; c < n; c++) order[c] = c;
  argsortDesc(vals, order, n);
  for (let pos = 0; pos < n; pos++) out[order[pos]!] = pos;
}

/** log1p(1000): the "days since" of an item the user never bought or saw. */
const L1P_NEVER = Math.log1p(1000);

/** log1p of 0, 1, 2, …: the ranks' features without a logarithm per candidate. */
let logInts = new Float64Array(0);
function log1pInts(n: number): Float64Array {
  if (logInts.length < n) logInts = Float64Array.from({ length: Math.max(n, 2 * logInts.length) }, (_, r) => l1p(r));
  return logInts;
}

/** Item-level feature columns per item (log buyers, 30 and 7 days, trend, repeat rate, age, price, trending rank). */
const N_ITEM_COLS = 8;

/** The item-level columns at `anchor`, computed once per scratch and anchor. */
function itemColumns(src: FittedSources, sc: Scratch, anchor: number): Float64Array {
  if (sc.itemCols && sc.itemColsAnchor === anchor) return sc.itemCols;
  const n = src.itemIds.length;
  const cols = new Float64Array(n * N_ITEM_COLS);
  for (let i = 0; i < n; i++) {
    const b30 = src.buyers30[i]!;
    const b90 = src.buyers90[i]!;
    const o = i * N_ITEM_COLS;
    cols[o] = l1p(src.buyers[i]!); cols[o + 1] = l1p(b30); cols[o + 2] = l1p(src.buyers7[i]!);
    cols[o + 3] = Math.log((b30 + 1) / (b90 / 3 + 1)); cols[o + 4] = src.repeatRate[i]!;
    cols[o + 5] = l1p(Math.max(0, (anchor - src.firstTs[i]!) / DAY)); cols[o + 6] = l1p(src.price[i]!);
    cols[o + 7] = l1p(sc.trendRank[i]!);
  }
  sc.itemCols = cols;
  sc.itemColsAnchor = anchor;
  return cols;
}

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
  const buyIdx: number[] = [];
  for (let p = s; p < e; p++) if (snap.lines[p]! > 0) buyIdx.push(snap.item[p]!);
  // The for-you and discover candidates of a customer come from the same votes: accumulated once (snapshots are
  // never changed once built, so the same snapshot and row mean the same votes).
  if (sc.votesOf.snap !== snap || sc.votesOf.u !== u) {
    sc.ease.clear();
    sc.cos.clear();
    sc.ease.accumulate(src.ease, snap.item.subarray(s, e), snap.strength.subarray(s, e), true);
    sc.cos.accumulate(src.cosine, buyIdx, null);
    sc.votesOf = { snap, u };
    sc.easeTop = noTop();
    sc.cosTop = noTop();
  }
  const cands: number[] = [];
  const stamp = ++sc.stamp;
  const add = (i: number, p: number): void => {
    if (sc.mark[i] === stamp) return;
    sc.mark[i] = stamp;
    sc.rowOf[i] = p;
    cands.push(i);
  };
  for (let p = s; p < e; p++) if (!(excludeBought && snap.lines[p]! > 0)) add(snap.item[p]!, p);
  const excl = excludeBought ? sc.excl : null;
  if (excl) for (const i of buyIdx) excl[i] = 1;
  const easeTop = sharedTop(sc.easeTop, sc.ease, cp.fromEase, buyIdx.length, excl);
  for (let t = 0; t < easeTop.length; t++) add(easeTop[t]!, -1);
  const cosTop = sharedTop(sc.cosTop, sc.cos, cp.fromCosine, buyIdx.length, excl);
  for (let t = 0; t < cosTop.length; t++) add(cosTop[t]!, -1);
  let t = 0;
  for (const i of src.trending) {
    if (t >= cp.fromTrending) break;
    if (excl && excl[i]) continue;
    add(i, -1);
    t++;
  }
  if (excl) for (const i of buyIdx) excl[i] = 0;
  const ease = sc.ease.values;
  const cos = sc.cos.values;
  // Ranks among this user's candidates: scale-free views of each source's opinion.
  const nC = cands.length;
  if (sc.work.order.length < nC) {
    const cap = Math.max(nC, 2 * sc.work.order.length);
    sc.work = { order: new Int32Array(cap), vals: new Float64Array(cap), ranks: new Float32Array(3 * cap), row: sc.work.row };
  }
  const { order, ranks } = sc.work;
  const vals = sc.work.vals.subarray(0, nC);
  let nRanks = 0;
  const rankOf = (f: (i: number) => number): Float32Array => {
    for (let c = 0; c < nC; c++) vals[c] = f(cands[c]!);
    const r = ranks.subarray(nRanks * nC, (nRanks + 1) * nC);
    nRanks++;
    ranksBy(vals, order, r);
    return r;
  };
  const easeRank = rankOf((i) => ease[i]!);
  const cosRank = rankOf((i) => cos[i]!);
  const linesOf = (i: number): number => {
    const p = sc.rowOf[i]!;
    return p >= 0 ? snap.lines[p]! : 0;
  };
  const reorderRank = rankOf((i) => linesOf(i) * 1e3 + src.buyers[i]! * 1e-3);
  let maxEase = 1e-9;
  for (const i of cands) maxEase = Math.max(maxEase, ease[i]!);
  const us = snap.user;
  const uBaskets = us.baskets[u]!;
  const uRecency = us.lastBuyTs[u]! > -Infinity ? (anchor - us.lastBuyTs[u]!) / DAY : 1000;
  // What depends on the user or the item alone is computed once, not once per candidate.
  const uCols = [l1p(uBaskets), l1p(uRecency), l1p(us.distinctItems[u]!), l1p(us.baskets30[u]!)] as const;
  const itemCols = itemColumns(src, sc, anchor);
  const logRank = log1pInts(nC);
  const feats = new Float32Array(nC * N_FEATURES);
  const items = Int32Array.from(cands);
  const easeOut = new Float64Array(nC);
  const voter = new Int32Array(nC);
  const bought = new Uint8Array(nC);
  const row = sc.work.row;
  for (let c = 0; c < nC; c++) {
    const i = cands[c]!;
    const p = sc.rowOf[i]!;
    // Column order: RANKER_FEATURES. Items outside the user's history have no history features.
    let lines = 0;
    if (p >= 0) {
      lines = snap.lines[p]!;
      const baskets = snap.baskets[p]!;
      const lastBuy = snap.lastBuyTs[p]!;
      const firstTs = snap.firstTs[p]!;
      const sinceItem = lastBuy > -Infinity ? (anchor - lastBuy) / DAY : 1000;
      const sinceFirst = firstTs > -Infinity ? (anchor - firstTs) / DAY : 1000;
      const gap = baskets >= 2 ? (lastBuy - firstTs) / DAY / (baskets - 1) : 0;
      row[0] = l1p(lines); row[1] = l1p(baskets); row[2] = l1p(snap.decShort[p]!); row[3] = l1p(snap.decLong[p]!);
      row[4] = l1p(sinceItem); row[5] = l1p(sinceFirst); row[6] = lines > 0 ? 1 : 0; row[7] = snap.strength[p]!;
      row[21] = uBaskets > 0 ? baskets / uBaskets : 0;
      row[25] = gap > 0 ? Math.log((sinceItem + 1) / (gap + 1)) : 0; row[26] = gap > 0 ? 1 : 0;
    } else {
      row[0] = 0; row[1] = 0; row[2] = 0; row[3] = 0; row[4] = L1P_NEVER; row[5] = L1P_NEVER; row[6] = 0; row[7] = 0;
      row[21] = 0; row[25] = 0; row[26] = 0;
    }
    row[8] = ease[i]!; row[9] = logRank[easeRank[c]!]!; row[10] = cos[i]!; row[11] = logRank[cosRank[c]!]!;
    const ic = i * N_ITEM_COLS;
    row[12] = itemCols[ic]!; row[13] = itemCols[ic + 1]!; row[14] = itemCols[ic + 2]!; row[15] = itemCols[ic + 3]!;
    row[16] = itemCols[ic + 4]!;
    row[17] = uCols[0]; row[18] = uCols[1]; row[19] = uCols[2]; row[20] = uCols[3];
    row[22] = logRank[reorderRank[c]!]!; row[23] = itemCols[ic + 5]!; row[24] = itemCols[ic + 6]!;
    row[27] = ease[i]! / maxEase; row[28] = itemCols[ic + 7]!;
    const f = c * N_FEATURES;
    for (let j = 0; j < N_FEATURES; j++) feats[f + j] = Number.isFinite(row[j]!) ? row[j]! : 0;
    easeOut[c] = ease[i]!;
    voter[c] = sc.ease.from[i]!;
    bought[c] = lines > 0 ? 1 : 0;
  }
  return { items, feats, ease: easeOut, voter, bought };
}

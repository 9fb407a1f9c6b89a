import { decayedBuys } from './baselines';
import { PanelSearch } from './customer-panel';
import type { Snapshot } from './snapshot';
import { SparseScores } from './sparse-scores';
import type { FittedSources } from './sources';
import { topK } from './topk';

/**
 * What a served list is made of. The champion's ranker is one method; the others are the baselines it is
 * measured against, computed from the same fitted model (so serving them needs nothing more):
 * - `popularity`: distinct buyers before the cut-off;
 * - `personal_count`: the customer's own purchase lines per item, popularity breaking ties;
 * - `personal_recency`: the same, recency-decayed;
 * - `ease`: the model's EASE neighbours of the items the customer bought;
 * - `item_knn`: the model's co-purchase cosine neighbours of those items;
 * - `personal_ease`: the customer's own buys (180-day half-life) fused with their EASE neighbours, weighted by the
 *   shop's rebuy share (see {@link UserRanker});
 * - `personal_knn`: the same own half fused with what the most similar recent customers buy (TIFU-KNN).
 */
export const LIST_METHODS = ['champion', 'popularity', 'personal_count', 'personal_recency', 'ease', 'item_knn', 'personal_ease', 'personal_knn'] as const;
export type ListMethod = (typeof LIST_METHODS)[number];

/** One way to fill a list: a method, or a blend of two (reciprocal-rank fusion); with or without past buys. */
export interface ListChoice {
  methods: ListMethod[];
  /** leave out items the customer already bought (always for discover; for for-you where nobody rebuys) */
  excludeBought: boolean;
}

/** What each list serves (stored in the model's params; absent in older models: the champion for both). */
export interface ListPolicy {
  forYou: ListChoice;
  discover: ListChoice;
}

export const CHAMPION_POLICY: ListPolicy = {
  forYou: { methods: ['champion'], excludeBought: false },
  discover: { methods: ['champion'], excludeBought: true },
};

/** A choice's name in reports: `personal_count`, `champion+ease`, `ease (no reorders)` (the suffix for for-you only). */
export function choiceName(c: ListChoice, list: 'for_you' | 'discover'): string {
  return `${c.methods.join('+')}${list === 'for_you' && c.excludeBought ? ' (no reorders)' : ''}`;
}

/** The blends compared besides the single methods: the champion with the strongest simple baselines, and those two together. */
export const BLENDS: ListMethod[][] = [
  ['champion', 'personal_count'], ['champion', 'ease'], ['personal_count', 'ease'], ['champion', 'personal_ease'], ['champion', 'personal_knn'],
];

/** Every choice a list is picked from: each method and each blend (for-you also without past buys). */
export function candidateChoices(list: 'for_you' | 'discover'): ListChoice[] {
  const methods = [...LIST_METHODS.map((m) => [m]), ...BLENDS];
  const excludes = list === 'for_you' ? [false, true] : [true];
  return excludes.flatMap((excludeBought) => methods.map((ms) => ({ methods: ms, excludeBought })));
}

/** Reciprocal-rank fusion offset: the usual 60 flattens a top-20 list too much; 10 keeps the heads apart. */
const RRF_K = 10;

/** A customer's champion candidates and their ranker logits (parallel arrays; items in the model's index). */
export interface RankedCandidates {
  items: Int32Array;
  logits: Float32Array;
}

/**
 * Ranks one customer's items under any {@link ListChoice}, reusing per-item buffers across customers. The
 * nightly scoring and the holdout comparison both go through it, so what is measured is what is served.
 */
export class UserRanker {
  private readonly n: number;
  private readonly popTie: Float64Array;
  private readonly bought: Uint8Array;
  private boughtItems: number[] = [];
  private readonly scores = new Map<ListMethod, SparseScores>();
  /** methods whose scores already hold the current customer's */
  private readonly scored = new Set<ListMethod>();
  private readonly tops = new Map<string, Int32Array>();
  /** EASE votes of the bought items, for the "bought with" reason */
  private readonly votes: SparseScores;
  /** EASE votes weighted by the customer's decayed buys, the neighbour half of `personal_ease` */
  private readonly neighbourVotes: SparseScores;
  private voterReady = false;
  /** the model's customer panel indexed for `personal_knn` (built on its first use; null: the model has none) */
  private panel: PanelSearch | null | undefined;
  private snap: Snapshot | null = null;
  private u = -1;
  private fy: RankedCandidates | null = null;
  private di: RankedCandidates | null = null;

  constructor(private readonly src: FittedSources) {
    this.n = src.itemIds.length;
    let maxPop = 1;
    for (const v of src.buyers) maxPop = Math.max(maxPop, v);
    this.popTie = Float64Array.from(src.buyers, (b) => b / (maxPop + 1));
    this.bought = new Uint8Array(this.n);
    this.votes = new SparseScores(this.n);
    this.neighbourVotes = new SparseScores(this.n);
  }

  /** Switches to customer `u` of `snap` (snapshot items = the model's items), or to a customer with no history (u = −1). */
  reset(snap: Snapshot | null, u: number, fy: RankedCandidates | null, di: RankedCandidates | null): void {
    for (const i of this.boughtItems) this.bought[i] = 0;
    this.boughtItems = [];
    this.snap = snap;
    this.u = u;
    this.fy = fy;
    this.di = di;
    this.tops.clear();
    this.scored.clear();
    this.voterReady = false;
    if (snap && u >= 0) {
      for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
        if (snap.lines[p]! > 0) {
          this.bought[snap.item[p]!] = 1;
          this.boughtItems.push(snap.item[p]!);
        }
      }
    }
  }

  /** Whether the current customer bought item `i` before the cut-off. */
  hasBought(i: number): boolean {
    return this.bought[i] === 1;
  }

  /** The bought item with the strongest EASE vote for `i`, or −1 (the "bought with" reason). */
  voterFor(i: number): number {
    if (!this.voterReady) {
      this.votes.clear();
      this.votes.accumulate(this.src.ease, this.boughtItems, null, true);
      this.voterReady = true;
    }
    return this.votes.from[i]!;
  }

  /** The top `size` items of a choice, best first. */
  top(c: ListChoice, size: number): Int32Array {
    if (c.methods.length === 1) return this.methodTop(c.methods[0]!, c.excludeBought, size);
    // Reciprocal-rank fusion of the methods' own top lists (twice as long, so items just below a head count).
    const fused = new Map<number, number>();
    for (const m of c.methods) {
      this.methodTop(m, c.excludeBought, 2 * size).forEach((i, r) => fused.set(i, (fused.get(i) ?? 0) + 1 / (RRF_K + r)));
    }
    const items = [...fused.keys()];
    items.sort((a, b) => fused.get(b)! - fused.get(a)! || a - b);
    return Int32Array.from(items.slice(0, size));
  }

  private methodTop(m: ListMethod, exclude: boolean, size: number): Int32Array {
    const key = `${m}|${exclude ? 1 : 0}|${size}`;
    let t = this.tops.get(key);
    if (!t) {
      t = m === 'champion' ? this.championTop(exclude, size) : this.methodScores(m).topK(size, exclude ? this.bought : null);
      this.tops.set(key, t);
    }
    return t;
  }

  /** The ranker's candidates by logit, topped up from the trending list (as short histories need). */
  private championTop(exclude: boolean, size: number): Int32Array {
    const cands = exclude ? this.di : this.fy;
    const out: number[] = [];
    const used = new Set<number>();
    if (cands) {
      for (const j of topK(cands.logits, size)) {
        out.push(cands.items[j]!);
        used.add(cands.items[j]!);
      }
    }
    for (const i of this.src.trending) {
      if (out.length >= size) break;
      if (used.has(i) || (exclude && this.bought[i])) continue;
      used.add(i);
      out.push(i);
    }
    return Int32Array.from(out);
  }

  /** What every customer shares under a method: popularity, or popularity far below any personal signal. */
  private baseScores(m: Exclude<ListMethod, 'champion'>): Float64Array {
    switch (m) {
      case 'popularity':
        return Float64Array.from(this.src.buyers);
      case 'personal_count':
      case 'personal_recency':
        return this.popTie;
      case 'ease':
      case 'item_knn':
      case 'personal_ease':
      case 'personal_knn':
        // Popularity, far below any neighbour weight, orders what no bought item votes for.
        return Float64Array.from(this.popTie, (p) => 1e-6 * p);
    }
  }

  private methodScores(m: Exclude<ListMethod, 'champion'>): SparseScores {
    let s = this.scores.get(m);
    if (!s) {
      s = new SparseScores(this.n, this.baseScores(m));
      this.scores.set(m, s);
    }
    if (this.scored.has(m)) return s;
    this.scored.add(m);
    s.clear();
    const snap = this.snap;
    const u = this.u;
    switch (m) {
      case 'popularity':
        break;
      case 'personal_count':
      case 'personal_recency':
        if (snap && u >= 0) {
          for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
            if (snap.lines[p]! <= 0) continue;
            s.add(snap.item[p]!, m === 'personal_count' ? 1e3 * snap.lines[p]! : 1 + 1e3 * snap.decShort[p]!);
          }
        }
        break;
      case 'ease':
      case 'item_knn':
        s.accumulate(m === 'ease' ? this.src.ease : this.src.cosine, this.boughtItems, null);
        break;
      case 'personal_ease':
      case 'personal_knn':
        if (snap && u >= 0) this.fuseOwnAndNeighbours(s, snap, u, m);
        break;
    }
    return s;
  }

  /**
   * `personal_ease` and `personal_knn`: α · (the customer's share of decayed buys per item) + (1 − α) · a neighbour
   * share, with α the shop's rebuy share. Both halves sum to 1, so α says how much of the list the customer's own
   * past fills. This is TIFU-KNN's fusion (Hu et al., SIGIR 2020). `personal_knn`'s neighbour half is TIFU-KNN's
   * own: the mean share vector of the most similar recent customers ({@link PanelSearch}). `personal_ease`'s is the
   * share of the positive EASE votes the customer's buys cast: item neighbours, no customer search. On UCI's
   * EVALUATION.md split `personal_ease` reaches for-you NDCG@20 0.346 against personal counts' 0.333 (`npm run
   * eval`; the rank-fusion blend personal_count+ease reached 0.322 in a NumPy check); α was not tuned: the rebuy
   * share is 0.285.
   */
  private fuseOwnAndNeighbours(s: SparseScores, snap: Snapshot, u: number, m: 'personal_ease' | 'personal_knn'): void {
    const { items, weights, total: own } = decayedBuys(snap, u);
    if (own <= 0) return;
    const alpha = this.src.rebuyShare;
    items.forEach((i, k) => s.add(i, (alpha * weights[k]!) / own));
    if (m === 'personal_knn') {
      this.panel ??= this.src.panel ? new PanelSearch(this.src.panel, this.n) : null;
      this.panel?.addNeighbourShares(snap.userIds[u]!, items, weights, s, 1 - alpha);
      return;
    }
    const nv = this.neighbourVotes;
    nv.clear();
    nv.accumulate(this.src.ease, items, weights);
    const total = nv.positiveTotal();
    if (total > 0) nv.addPositiveTo(s, (1 - alpha) / total);
  }
}

/** One ranker per fitted model: its per-item buffers (several catalogue-sized arrays) outlive a scoring call. */
const rankers = new WeakMap<FittedSources, UserRanker>();

/**
 * The model's reusable {@link UserRanker}: a shard scores thousands of slices with one model, and rebuilding the
 * ranker's buffers (and the base orders of its methods: a sort of the catalogue each) for every slice of 500
 * customers was work that grows with the catalogue, not with the customers. Every use starts with `reset`, so
 * nothing of one customer leaks into another; scoring calls run one at a time per thread.
 */
export function rankerFor(src: FittedSources): UserRanker {
  let r = rankers.get(src);
  if (!r) {
    r = new UserRanker(src);
    rankers.set(src, r);
  }
  return r;
}

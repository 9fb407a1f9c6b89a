import { decayedBuys } from './baselines';
import { DAY, type Snapshot } from './snapshot';
import type { SparseScores } from './sparse-scores';
import { topK } from './topk';

/**
 * The customers `personal_knn` looks for similar customers among: those who bought in the last {@link PANEL_DAYS}
 * days before the fit (their taste is the shop's current one), at least {@link PANEL_MIN} and at most
 * {@link PANEL_SIZE} of them, the most recent first. Each row is the customer's decayed buys (the own half of `personal_ease`) as shares summing to 1.
 * Stored with the model, so a scoring shard that sees only its own customers still searches the whole panel.
 */
export interface CustomerPanel {
  userIds: string[];
  rowStart: Int32Array;
  item: Int32Array;
  /** the customer's share of their decayed buys on each item */
  share: Float32Array;
  /** L2 norm of each row's shares (cosine similarity divides by it) */
  norm: Float32Array;
}

/** Days back a customer's last purchase may lie for them to be in the panel. */
export const PANEL_DAYS = 90;
/**
 * Fewest customers in the panel: where fewer bought in the last {@link PANEL_DAYS} days (a shop people visit twice
 * a year, a quiet season), the next most recent buyers fill it, so that 100 neighbours are still a choice.
 */
export const PANEL_MIN = 1000;
/**
 * Most customers in the panel. A customer's search costs the panel rows that share an item with them, so this
 * bounds the night's cost and the artefact (a row is about the customer's distinct items × 8 bytes).
 */
export const PANEL_SIZE = 20_000;
/** Similar customers whose buys are averaged (TIFU-KNN's k; its authors' grid runs 100 to 900). */
export const PANEL_NEIGHBOURS = 100;
/**
 * Bounds on one customer's search, so that it costs at most POSTINGS × QUERY_ITEMS whatever the shop's size: an
 * item lists the panel customers whose cosine it can raise most (the largest share ÷ row norm), and a customer
 * searches with their biggest items. On UCI at the EVALUATION.md split (a panel of 2,559) no item has more than
 * 595 entries; the query bound applies to the 36% of customers with more than 50 items, and `personal_knn`'s
 * NDCG@20 there stayed 0.3511 (R@20 0.3551 unbounded, 0.3538 bounded; `npm run eval`).
 */
export const PANEL_POSTINGS = 1000;
export const PANEL_QUERY_ITEMS = 50;

/** The panel of a snapshot's customers (see {@link CustomerPanel}). */
export function fitPanel(snap: Snapshot, size = PANEL_SIZE, days = PANEL_DAYS, min = PANEL_MIN): CustomerPanel {
  const us = snap.user;
  const buyers: number[] = [];
  for (let u = 0; u < snap.userIds.length; u++) if (us.lastBuyTs[u]! > -Infinity) buyers.push(u);
  buyers.sort((a, b) => us.lastBuyTs[b]! - us.lastBuyTs[a]! || a - b);
  const within = buyers.findIndex((u) => snap.anchor - us.lastBuyTs[u]! > days * DAY);
  const recent = buyers.slice(0, Math.max(within < 0 ? buyers.length : within, min));
  const userIds: string[] = [];
  const rowStart: number[] = [0];
  const item: number[] = [];
  const share: number[] = [];
  const norm: number[] = [];
  for (const u of recent) {
    if (userIds.length >= size) break;
    const { items, weights, total } = decayedBuys(snap, u);
    if (total <= 0) continue;
    let q = 0;
    items.forEach((i, k) => {
      const s = weights[k]! / total;
      item.push(i);
      share.push(s);
      q += s * s;
    });
    userIds.push(snap.userIds[u]!);
    rowStart.push(item.length);
    norm.push(Math.sqrt(q));
  }
  return { userIds, rowStart: Int32Array.from(rowStart), item: Int32Array.from(item), share: Float32Array.from(share), norm: Float32Array.from(norm) };
}

/**
 * The panel's inverted index (item → panel rows holding it), built once per model in a scoring process, and the
 * neighbour search over it.
 */
export class PanelSearch {
  private readonly postStart: Int32Array;
  private readonly postRow: Int32Array;
  private readonly postShare: Float32Array;
  private readonly rowOf: Map<string, number>;
  private readonly sim: Float64Array;
  private readonly touched: Int32Array;

  constructor(private readonly panel: CustomerPanel, items: number, maxPostings = PANEL_POSTINGS) {
    const rows = panel.userIds.length;
    const rowOfEntry = new Int32Array(panel.item.length);
    for (let r = 0; r < rows; r++) rowOfEntry.fill(r, panel.rowStart[r], panel.rowStart[r + 1]);
    // An entry's most a cosine can gain from it per unit of the query's weight on its item.
    const reach = (p: number): number => panel.share[p]! / panel.norm[rowOfEntry[p]!]!;
    const lists: number[][] = Array.from({ length: items }, () => []);
    for (let p = 0; p < panel.item.length; p++) if (panel.item[p]! < items) lists[panel.item[p]!]!.push(p);
    const postStart = new Int32Array(items + 1);
    const kept: number[] = [];
    lists.forEach((ps, i) => {
      if (ps.length > maxPostings) ps = ps.sort((a, b) => reach(b) - reach(a) || a - b).slice(0, maxPostings);
      for (const p of ps) kept.push(p);
      postStart[i + 1] = kept.length;
    });
    this.postStart = postStart;
    this.postRow = Int32Array.from(kept, (p) => rowOfEntry[p]!);
    this.postShare = Float32Array.from(kept, (p) => panel.share[p]!);
    this.rowOf = new Map(panel.userIds.map((id, r) => [id, r]));
    this.sim = new Float64Array(rows);
    this.touched = new Int32Array(rows);
  }

  /**
   * The panel rows of the `k` customers most similar (cosine of the shares) to a customer with these decayed buys
   * (`userId` itself left out), most similar first, and how many postings the search read. The similarities are
   * over the postings kept and the customer's {@link PANEL_QUERY_ITEMS} biggest items.
   */
  nearest(userId: string, items: readonly number[], weights: readonly number[], k = PANEL_NEIGHBOURS): { rows: Int32Array; postings: number } {
    const self = this.rowOf.get(userId) ?? -1;
    let n = 0;
    let postings = 0;
    for (const t of topK(weights, Math.min(weights.length, PANEL_QUERY_ITEMS))) {
      const i = items[t]!;
      if (i + 1 >= this.postStart.length) continue;
      postings += this.postStart[i + 1]! - this.postStart[i]!;
      for (let p = this.postStart[i]!; p < this.postStart[i + 1]!; p++) {
        const r = this.postRow[p]!;
        if (r === self) continue;
        if (this.sim[r] === 0) this.touched[n++] = r;
        this.sim[r]! += weights[t]! * this.postShare[p]!;
      }
    }
    const cos = Float64Array.from(this.touched.subarray(0, n), (r) => this.sim[r]! / this.panel.norm[r]!);
    const rows = Int32Array.from(topK(cos, Math.min(k, n)), (j) => this.touched[j]!);
    for (let t = 0; t < n; t++) this.sim[this.touched[t]!] = 0;
    return { rows, postings };
  }

  /**
   * Adds `scale` × the mean share vector of the {@link nearest} `k` panel customers into `out`. Returns how many
   * neighbours voted.
   */
  addNeighbourShares(userId: string, items: readonly number[], weights: readonly number[], out: SparseScores, scale: number, k = PANEL_NEIGHBOURS): number {
    const { rows } = this.nearest(userId, items, weights, k);
    for (const r of rows) {
      for (let p = this.panel.rowStart[r]!; p < this.panel.rowStart[r + 1]!; p++) out.add(this.panel.item[p]!, (scale * this.panel.share[p]!) / rows.length);
    }
    return rows.length;
  }
}

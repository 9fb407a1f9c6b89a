import type { SparseNeighbours } from './ease';
import { topKAmong } from './topk';

/**
 * Item-item cosine neighbours of a whole catalogue without an item × item matrix.
 *
 * For each item i, the customers who have it (a column of the transposed matrix) are walked, and every item j in
 * their rows is added into one reusable accumulator (a dense float64 sum and count of length n plus the list of
 * entries touched, cleared through that list). The top `width` of the touched items by cosine are kept; the
 * accumulator is then reset in O(touched), so its memory never grows.
 *
 * Memory: the capped rows, their transpose and per-item norms, O(nnz); the accumulator, O(n); the output, n·width
 * (int32 index + float32 weight). Nothing n×n. Binary rows of nnz pairs cost 4·nnz bytes for the transpose (and
 * 4·nnz more for a capped copy, when some row is capped), 8·n·width for the neighbours: at 100,000 items ×
 * 1,000,000 customers (8.5·10⁶ purchases) `npm run bench -- catalogue` measured 10 s and a 279 MB peak RSS, 116 MB
 * of it the input.
 *
 * Work: every (customer u, item i, item j) triple with i, j in u's row is visited once, Σ_u |r_u|². A customer
 * with more than `maxUserItems` items contributes an evenly spaced subset of that many, so the work is at most
 * Σ_u min(|r_u|, L)² ≤ L · nnz (L = maxUserItems), whatever the heaviest customer (a reseller, a bot) did.
 */
export interface CooccurrenceParams {
  /** neighbours kept per item */
  width: number;
  /** fewest customers having both items for a pair to be neighbours (1 = any co-occurrence) */
  minCount: number;
  /** most items one customer contributes (bounds the work; see above) */
  maxUserItems: number;
  /** β of the significance weight c / (c + β) on each cosine (c = common customers; 0 = plain cosine) */
  shrinkage: number;
}

/**
 * Defaults, as measured (`npm run eval`, no tuning): a pair seen with one customer only is noise in a long tail (on
 * the `catalogue` shape, minCount 1 drops item-kNN's Recall@20 from 0.299 to 0.177, as one-off baskets of rare items
 * vote with weights near 1), while minCount 2 leaves UCI's champion where it was (Recall@20 0.3765 against 0.3766).
 * Shrinkage c / (c + 5) helped the catalogue's item-kNN but cost UCI's 0.007, so it is off. 2,000 items per
 * customer leaves every real shop we have whole (UCI's largest wholesaler has 1,787) and stops a bot.
 */
export const DEFAULT_COOCCURRENCE: CooccurrenceParams = { width: 100, minCount: 2, maxUserItems: 2000, shrinkage: 0 };

/** A CSR matrix: rows (customers) of (item, value) pairs; `value` null = binary. */
export interface CsrRows {
  rowStart: Int32Array;
  item: Int32Array;
  value: Float32Array | null;
}

/** The rows with every row longer than `max` cut to `max` evenly spaced entries (the input itself when none is). */
export function capRows(rowStart: Int32Array, item: Int32Array, value: ArrayLike<number> | null, max: number): CsrRows & { capped: number } {
  const rows = rowStart.length - 1;
  let capped = 0;
  let total = 0;
  for (let u = 0; u < rows; u++) {
    const len = rowStart[u + 1]! - rowStart[u]!;
    if (len > max) capped++;
    total += Math.min(len, max);
  }
  const asF32 = (v: ArrayLike<number> | null): Float32Array | null => (v === null || v instanceof Float32Array ? v : Float32Array.from(v));
  if (capped === 0) return { rowStart, item, value: asF32(value), capped };
  const outStart = new Int32Array(rows + 1);
  const outItem = new Int32Array(total);
  const outValue = value ? new Float32Array(total) : null;
  let o = 0;
  for (let u = 0; u < rows; u++) {
    const s = rowStart[u]!;
    const len = rowStart[u + 1]! - s;
    const keep = Math.min(len, max);
    for (let t = 0; t < keep; t++) {
      // Position ⌊t·len/keep⌋: every entry when the row is short, an even spread of it when long.
      const p = s + Math.floor((t * len) / keep);
      outItem[o] = item[p]!;
      if (outValue && value) outValue[o] = value[p]!;
      o++;
    }
    outStart[u + 1] = o;
  }
  return { rowStart: outStart, item: outItem, value: outValue, capped };
}

/** The transpose (items' columns of customers, ascending), in the same CSR shape. */
export function transposeRows(m: CsrRows, nItems: number): CsrRows {
  const colStart = new Int32Array(nItems + 1);
  for (let p = 0; p < m.item.length; p++) colStart[m.item[p]! + 1]!++;
  for (let i = 0; i < nItems; i++) colStart[i + 1]! += colStart[i]!;
  const next = colStart.slice(0, nItems);
  const user = new Int32Array(m.item.length);
  const value = m.value ? new Float32Array(m.item.length) : null;
  for (let u = 0; u + 1 < m.rowStart.length; u++) {
    for (let p = m.rowStart[u]!; p < m.rowStart[u + 1]!; p++) {
      const q = next[m.item[p]!]!++;
      user[q] = u;
      if (value && m.value) value[q] = m.value[p]!;
    }
  }
  return { rowStart: colStart, item: user, value };
}

/**
 * A dense sum and count over n items that remembers which entries it touched, so clearing costs what was added,
 * not n: one instance serves every item of a fit.
 */
export class CooccurrenceAccumulator {
  readonly sum: Float64Array;
  readonly count: Int32Array;
  /** touched[0 … size) are the entries with a non-zero count, in first-touch order */
  readonly touched: Int32Array;
  size = 0;

  constructor(n: number) {
    this.sum = new Float64Array(n);
    this.count = new Int32Array(n);
    this.touched = new Int32Array(n);
  }

  add(j: number, v: number): void {
    if (this.count[j] === 0) this.touched[this.size++] = j;
    this.count[j]!++;
    this.sum[j]! += v;
  }

  /** {@link add} of 1 without the sum (binary rows: the count is the sum). */
  addOne(j: number): void {
    const c = this.count[j]!;
    if (c === 0) this.touched[this.size++] = j;
    this.count[j] = c + 1;
  }

  /** Back to all zeros, in O(entries touched). */
  clear(): void {
    for (let t = 0; t < this.size; t++) {
      const j = this.touched[t]!;
      this.sum[j] = 0;
      this.count[j] = 0;
    }
    this.size = 0;
  }
}

/** Neighbour lists and what the fit cost. */
export interface CooccurrenceFit {
  neighbours: SparseNeighbours;
  /** (customer, item, item) triples visited: the work, bounded by maxUserItems · nnz */
  triples: number;
  /** customers whose rows were cut to maxUserItems */
  cappedUsers: number;
  /** items with at least one neighbour */
  coveredItems: number;
}

/**
 * Top-`width` cosine neighbours of every item, cos(i, j) = Σ_u v_ui·v_uj / √(Σ_u v_ui² · Σ_u v_uj²), over the
 * customers' rows (`value` null: binary, so the numerator is the number of customers with both). Only pairs
 * with at least `minCount` such customers are kept. On rows no longer than maxUserItems and with minCount 1, this
 * is exactly the top of each row of {@link cosineFromGram} (same float32 weights, same tie order), with no n×n.
 */
export function cooccurrenceNeighbours(
  rowStart: Int32Array, item: Int32Array, value: ArrayLike<number> | null, nItems: number, params: Partial<CooccurrenceParams> = {},
): CooccurrenceFit {
  const d = DEFAULT_COOCCURRENCE;
  const p: CooccurrenceParams = {
    width: params.width ?? d.width, minCount: params.minCount ?? d.minCount, maxUserItems: params.maxUserItems ?? d.maxUserItems,
    shrinkage: params.shrinkage ?? d.shrinkage,
  };
  const rows = capRows(rowStart, item, value, p.maxUserItems);
  const cols = transposeRows(rows, nItems);
  const norm = new Float64Array(nItems);
  for (let q = 0; q < rows.item.length; q++) {
    const v = rows.value ? rows.value[q]! : 1;
    norm[rows.item[q]!]! += v * v;
  }
  const w = Math.min(p.width, nItems);
  const index = new Int32Array(nItems * w).fill(-1);
  const weight = new Float32Array(nItems * w);
  const acc = new CooccurrenceAccumulator(nItems);
  const cand = new Int32Array(nItems);
  let triples = 0;
  let covered = 0;
  const { rowStart: rs, item: ri, value: rv } = rows;
  for (let i = 0; i < nItems; i++) {
    for (let c = cols.rowStart[i]!; c < cols.rowStart[i + 1]!; c++) {
      const u = cols.item[c]!;
      const s = rs[u]!;
      const e = rs[u + 1]!;
      triples += e - s;
      // The hot loop (Σ_u |r_u|² iterations): binary rows skip the multiply.
      if (rv && cols.value) {
        const vi = cols.value[c]!;
        for (let q = s; q < e; q++) acc.add(ri[q]!, vi * rv[q]!);
      } else {
        for (let q = s; q < e; q++) acc.addOne(ri[q]!);
      }
    }
    // Score the touched items in place (float32, as the dense matrix stores them, so ranks and ties agree).
    let m = 0;
    for (let t = 0; t < acc.size; t++) {
      const j = acc.touched[t]!;
      if (j === i || acc.count[j]! < p.minCount) continue;
      const cnt = acc.count[j]!;
      const den = Math.sqrt(norm[i]! * norm[j]!) * (p.shrinkage > 0 ? (cnt + p.shrinkage) / cnt : 1);
      const score = den > 0 ? Math.fround((rv ? acc.sum[j]! : cnt) / den) : 0;
      if (!(score > 0)) continue;
      acc.sum[j] = score;
      cand[m++] = j;
    }
    const best = topKAmong(acc.sum, cand, m, w);
    for (let r = 0; r < best.length; r++) {
      index[i * w + r] = best[r]!;
      weight[i * w + r] = acc.sum[best[r]!]!;
    }
    if (best.length > 0) covered++;
    acc.clear();
  }
  return { neighbours: { n: nItems, width: w, index, weight }, triples, cappedUsers: rows.capped, coveredItems: covered };
}

/** Items (of `nb`) with at least one neighbour. */
export function itemsWithNeighbours(nb: SparseNeighbours): number {
  let covered = 0;
  for (let i = 0; i < nb.n; i++) if (nb.width > 0 && nb.index[i * nb.width]! >= 0) covered++;
  return covered;
}

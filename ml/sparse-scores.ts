import type { SparseNeighbours } from './ease';
import { topK, topKAmong } from './topk';

/**
 * Per-item scores of one customer over a whole catalogue, kept sparse: a base every customer shares (0, or e.g.
 * popularity) plus what this customer's items added to the few items they touched. Clearing costs the touched
 * items, not the catalogue, and {@link SparseScores.topK} returns exactly what `topK` over the dense array would
 * (same order and ties), so a customer costs what their neighbours cost whatever the catalogue's size.
 */
export class SparseScores {
  /** the dense view: 0 for every untouched item */
  readonly values: Float64Array;
  /** strongest single vote per item and its voter (−1: none), kept when `voters` is set */
  readonly best: Float64Array;
  readonly from: Int32Array;
  private readonly touchedMark: Uint8Array;
  private touched: Int32Array;
  private nTouched = 0;
  private readonly pool: number[] = [];
  private readonly base: Float64Array | null;
  /** items by base score, best first, ties to the lower index (computed on first use; null: index order) */
  private baseOrder: Int32Array | null = null;

  constructor(readonly n: number, base?: ArrayLike<number>) {
    this.base = base ? Float64Array.from(base) : null;
    this.values = this.base ? Float64Array.from(this.base) : new Float64Array(n);
    this.best = new Float64Array(n);
    this.from = new Int32Array(n).fill(-1);
    this.touchedMark = new Uint8Array(n);
    this.touched = new Int32Array(256);
  }

  /** Back to the base (and no voters). */
  clear(): void {
    for (let t = 0; t < this.nTouched; t++) {
      const j = this.touched[t]!;
      this.values[j] = this.base ? this.base[j]! : 0;
      this.best[j] = 0;
      this.from[j] = -1;
      this.touchedMark[j] = 0;
    }
    this.nTouched = 0;
  }

  /**
   * Adds `values[p]` (1 when null) times each neighbour weight of `items[p]`, as `accumulateSparse` does;
   * with `voters`, records the item whose single vote was the strongest.
   */
  accumulate(nb: SparseNeighbours, items: ArrayLike<number>, values: ArrayLike<number> | null, voters = false): void {
    const w = nb.width;
    const out = this.values;
    for (let p = 0; p < items.length; p++) {
      const i = items[p]!;
      const v = values ? values[p]! : 1;
      const base = i * w;
      for (let r = 0; r < w; r++) {
        const j = nb.index[base + r]!;
        if (j < 0) continue;
        if (this.touchedMark[j] === 0) this.touch(j);
        const c = v * nb.weight[base + r]!;
        out[j]! += c;
        if (voters && c > this.best[j]!) {
          this.best[j] = c;
          this.from[j] = i;
        }
      }
    }
  }

  /** Sum of the positive scores this customer added (the base left out). */
  positiveTotal(): number {
    let t = 0;
    for (let k = 0; k < this.nTouched; k++) {
      const j = this.touched[k]!;
      const v = this.values[j]! - (this.base ? this.base[j]! : 0);
      if (v > 0) t += v;
    }
    return t;
  }

  /** Adds `factor` times each positive score this customer added here (the base left out) to `target`. */
  addPositiveTo(target: SparseScores, factor: number): void {
    for (let k = 0; k < this.nTouched; k++) {
      const j = this.touched[k]!;
      const v = this.values[j]! - (this.base ? this.base[j]! : 0);
      if (v > 0) target.add(j, factor * v);
    }
  }

  /** Adds `v` to item `j`'s score. */
  add(j: number, v: number): void {
    if (this.touchedMark[j] === 0) this.touch(j);
    this.values[j]! += v;
  }

  /**
   * The k best items, best first, ties to the lower index, `exclude`d items left out: identical to `topK` over
   * {@link values}. Untouched items keep their base score, so only the first k of them in base order can reach
   * the list.
   */
  topK(k: number, exclude?: Uint8Array | null): Int32Array {
    const pool = this.pool;
    pool.length = 0;
    for (let t = 0; t < this.nTouched; t++) {
      const j = this.touched[t]!;
      if (!exclude || !exclude[j]) pool.push(j);
    }
    const order = this.base ? (this.baseOrder ??= topK(this.base, this.n)) : null;
    let untouched = 0;
    for (let r = 0; r < this.n && untouched < k; r++) {
      const i = order ? order[r]! : r;
      if (this.touchedMark[i] || (exclude && exclude[i])) continue;
      pool.push(i);
      untouched++;
    }
    return topKAmong(this.values, pool, pool.length, k);
  }

  private touch(j: number): void {
    if (this.nTouched === this.touched.length) {
      const grown = new Int32Array(this.touched.length * 2);
      grown.set(this.touched);
      this.touched = grown;
    }
    this.touched[this.nTouched++] = j;
    this.touchedMark[j] = 1;
  }
}

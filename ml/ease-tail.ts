import type { SparseNeighbours } from './ease';
import type { ItemBlock } from './item-block';
import { transposeRows, type CsrRows } from './sparse-neighbours';
import { topK } from './topk';

/**
 * EASE for the items outside the dense block (the long tail of a big catalogue, item-block.ts), each fitted
 * exactly as if it alone joined the block. With A = G_head + λI (P = A⁻¹ already computed for the head), item t's
 * Gram column g over the head items and c = G_tt + λ, the block-plus-t inverse has, for w = P·g and s = c − gᵀw:
 * P̃_it = −w_i / s, P̃_tt = 1 / s and P̃_jj = P_jj + w_j² / s. So EASE's B = −P̃_ij / P̃_jj gives
 * - head item i votes for t with w_i (t regressed on the head items: EASE's column for t), and
 * - t votes for head item j with w_j / (s·P_jj + w_j²).
 * Tail items never vote for each other, and the head's own weights stay those of the head alone. One tail item
 * costs its buyers' rows plus (head items it shares a buyer with) × head size, not the n³ of a bigger block: on the
 * 50,000-item `catalogue` shape's newest cut (30,610 items with events, 5,000 in the block; wasm), the tail took
 * 8.8 s against 18 s for the block and gave 25,339 more items EASE neighbours; EASE's discover NDCG@20 rose from
 * 0.221 to 0.231, above an exact 8,000-item block's 0.227 (which costs (8/5)³ ≈ 4× the block's inverse).
 *
 * `head` holds the block's neighbours lifted to the catalogue (tail rows empty), `rows` the customers' rows over the
 * whole catalogue; the result keeps, per item, the `head.width` strongest positive weights, best first.
 */
export function withTailItems(head: SparseNeighbours, inverse: Float64Array, block: ItemBlock, rows: CsrRows, lambda: number): SparseNeighbours {
  const n = head.n;
  const m = block.size;
  const width = head.width;
  if (block.whole) return head;
  const index = Int32Array.from(head.index);
  const weight = Float32Array.from(head.weight);
  const slots = new HeadSlots(index, weight, width, block);
  // Items' columns of customers: a tail item's buyers (the block's columns are not read).
  const cols = transposeRows(rows, n);
  const g = new Float64Array(m);
  const touched = new Int32Array(m);
  const w = new Float64Array(m);
  const b = new Float32Array(m);
  const diag = Float64Array.from({ length: m }, (_, i) => inverse[i * m + i]!);
  for (let t = 0; t < n; t++) {
    if (block.toLocal[t]! >= 0 || cols.rowStart[t] === cols.rowStart[t + 1]) continue;
    // g: item t's Gram column over the head; c: its own diagonal plus λ.
    let c = lambda;
    let nt = 0;
    for (let q = cols.rowStart[t]!; q < cols.rowStart[t + 1]!; q++) {
      const u = cols.item[q]!;
      const vt = cols.value ? cols.value[q]! : 1;
      c += vt * vt;
      for (let p = rows.rowStart[u]!; p < rows.rowStart[u + 1]!; p++) {
        const l = block.toLocal[rows.item[p]!]!;
        if (l < 0) continue;
        if (g[l] === 0) touched[nt++] = l;
        g[l]! += vt * (rows.value ? rows.value[p]! : 1);
      }
    }
    if (nt === 0) continue;
    w.fill(0);
    let gw = 0;
    for (let k = 0; k < nt; k++) {
      const h = touched[k]!;
      const gh = g[h]!;
      const off = h * m;
      for (let i = 0; i < m; i++) w[i]! += gh * inverse[off + i]!;
    }
    for (let k = 0; k < nt; k++) {
      gw += g[touched[k]!]! * w[touched[k]!]!;
      g[touched[k]!] = 0;
    }
    const s = c - gw;
    for (let i = 0; i < m; i++) {
      const wi = w[i]!;
      if (wi > 0) slots.offer(block.toGlobal[i]!, t, wi);
      b[i] = wi > 0 && s > 0 ? wi / (s * diag[i]! + wi * wi) : 0;
    }
    let r = 0;
    for (const j of topK(b, width)) {
      if (!(b[j]! > 0)) break;
      index[t * width + r] = block.toGlobal[j]!;
      weight[t * width + r] = b[j]!;
      r++;
    }
  }
  slots.sortRows();
  return { n, width, index, weight };
}

/** The head items' neighbour rows as bounded lists: a tail item takes a slot when it beats the row's weakest. */
class HeadSlots {
  private readonly count: Int32Array;
  private readonly minAt: Int32Array;

  constructor(private readonly index: Int32Array, private readonly weight: Float32Array, private readonly width: number, private readonly block: ItemBlock) {
    this.count = new Int32Array(index.length / width);
    this.minAt = new Int32Array(index.length / width);
    for (const g of block.toGlobal) {
      let k = 0;
      while (k < width && index[g * width + k]! >= 0) k++;
      this.count[g] = k;
      this.rescan(g);
    }
  }

  offer(g: number, j: number, v: number): void {
    const base = g * this.width;
    const k = this.count[g]!;
    if (k < this.width) {
      this.index[base + k] = j;
      this.weight[base + k] = v;
      this.count[g] = k + 1;
      if (k === 0 || v < this.weight[base + this.minAt[g]!]!) this.minAt[g] = k;
      return;
    }
    if (!(v > this.weight[base + this.minAt[g]!]!)) return;
    this.index[base + this.minAt[g]!] = j;
    this.weight[base + this.minAt[g]!] = v;
    this.rescan(g);
  }

  private rescan(g: number): void {
    const base = g * this.width;
    let at = 0;
    for (let k = 1; k < this.count[g]!; k++) if (this.weight[base + k]! < this.weight[base + at]!) at = k;
    this.minAt[g] = at;
  }

  /** Each head row best first, as topNeighbours leaves them. */
  sortRows(): void {
    for (const g of this.block.toGlobal) {
      const base = g * this.width;
      const k = this.count[g]!;
      const order = Array.from({ length: k }, (_, r) => r).sort((a, c) => this.weight[base + c]! - this.weight[base + a]! || this.index[base + a]! - this.index[base + c]!);
      const idx = order.map((r) => this.index[base + r]!);
      const wt = order.map((r) => this.weight[base + r]!);
      this.index.set(idx, base);
      this.weight.set(wt, base);
    }
  }
}

import type { QueryMapper } from './query-map';
import { BASKET_DECAY_DAYS, DAY, DEFAULT_EVENT_WEIGHTS, type EventWeights, type ItemStats, type Snapshot, type UserStats } from './snapshot-types';
import { EVENT_TYPES, type EventRecord } from './types';

/** How a builder weighs and decays events (the snapshot options other than the vocabulary and the users). */
export interface BuilderOptions {
  weights?: EventWeights;
  halfLifeShortDays?: number;
  halfLifeLongDays?: number;
  queryMapper?: QueryMapper | null;
}

interface Acc {
  lines: number;
  baskets: Set<string>;
  strength: number;
  decS: number;
  decL: number;
  last: number;
  lastBuy: number;
  first: number;
}

/** The per-(user, item) rows of a snapshot, CSR by user. */
type PairRows = Pick<Snapshot, 'rowStart' | 'item' | 'lines' | 'baskets' | 'strength' | 'decShort' | 'decLong' | 'lastTs' | 'lastBuyTs' | 'firstTs'>;
const PAIR_FIELDS = ['item', 'lines', 'baskets', 'strength', 'decShort', 'decLong', 'lastTs', 'lastBuyTs', 'firstTs'] as const;

/** One batch of customers as added: their statistics and rows, compact (typed arrays), in the order added. */
interface Chunk extends PairRows {
  userIds: string[];
  us: UserStats;
}

function emptyUserStats(nU: number): UserStats {
  return {
    baskets: new Float32Array(nU), lines: new Float32Array(nU), monetary: new Float32Array(nU),
    firstTs: new Float64Array(nU), lastBuyTs: new Float64Array(nU), lastTs: new Float64Array(nU),
    baskets30: new Float32Array(nU), baskets90: new Float32Array(nU), mix30: new Float32Array(nU * 4), mixAll: new Float32Array(nU * 4),
    distinctItems: new Float32Array(nU), activePeriods3: new Float32Array(nU), activePeriods6: new Float32Array(nU),
    activePeriods12: new Float32Array(nU), baskets7: new Float32Array(nU), baskets180: new Float32Array(nU),
    activeWeeks13: new Float32Array(nU), activeWeeks26: new Float32Array(nU), buyDays: new Float32Array(nU),
    firstBuyTs: new Float64Array(nU), returns: new Float32Array(nU), lastReturnTs: new Float64Array(nU).fill(-Infinity),
    sumLogQty: new Float32Array(nU), sumLogPrice: new Float32Array(nU), sumHour: new Float32Array(nU),
    basketDecay: new Float32Array(nU * BASKET_DECAY_DAYS.length),
  };
}

function emptyRows(nU: number, nnz: number): PairRows {
  return {
    rowStart: new Int32Array(nU + 1), item: new Int32Array(nnz), lines: new Float32Array(nnz), baskets: new Float32Array(nnz),
    strength: new Float32Array(nnz), decShort: new Float32Array(nnz), decLong: new Float32Array(nnz),
    lastTs: new Float64Array(nnz), lastBuyTs: new Float64Array(nnz), firstTs: new Float64Array(nnz),
  };
}

/** Item indices by vocabulary: scoring builds a snapshot per slice of customers over the model's one vocabulary. */
const indices = new WeakMap<readonly string[], ReadonlyMap<string, number>>();

/**
 * Each id's position in `ids`, built once per vocabulary array (a map of 100,000 ids costs more to build than a
 * slice of 500 customers costs to score). Vocabularies are never changed after they are made.
 */
function indexOfIds(ids: readonly string[]): ReadonlyMap<string, number> {
  let m = indices.get(ids);
  if (!m) {
    m = new Map(ids.map((id, i) => [id, i] as const));
    indices.set(ids, m);
  }
  return m;
}

/**
 * Builds a snapshot customer batch by customer batch over a fixed item vocabulary: each batch (complete
 * customers, e.g. a page of the training store) is reduced at once to per-user statistics and (user, item) rows
 * in typed arrays, so a shop's events never need to be held together. Per-item statistics add up across batches.
 */
export class SnapshotBuilder {
  readonly itemIds: readonly string[];
  readonly itemIndex: ReadonlyMap<string, number>;
  private readonly it: ItemStats;
  private readonly priceN: Float32Array;
  private chunks: Chunk[] = [];
  private readonly w: EventWeights;
  private readonly lnS: number;
  private readonly lnL: number;
  private readonly queryMapper: QueryMapper | null;

  constructor(readonly anchor: number, itemIds: readonly string[], opts: BuilderOptions = {}) {
    this.itemIds = itemIds;
    this.itemIndex = indexOfIds(itemIds);
    this.w = opts.weights ?? DEFAULT_EVENT_WEIGHTS;
    this.lnS = Math.LN2 / ((opts.halfLifeShortDays ?? 30) * DAY);
    this.lnL = Math.LN2 / ((opts.halfLifeLongDays ?? 180) * DAY);
    this.queryMapper = opts.queryMapper ?? null;
    const nI = this.itemIds.length;
    this.it = {
      buyers: new Float32Array(nI), buyers7: new Float32Array(nI), buyers30: new Float32Array(nI),
      buyers90: new Float32Array(nI), repeatBuyers: new Float32Array(nI), interest30: new Float32Array(nI),
      firstTs: new Float64Array(nI).fill(Infinity), price: new Float32Array(nI),
    };
    this.priceN = new Float32Array(nI);
  }

  /** Customers added so far. */
  get users(): number {
    return this.chunks.reduce((n, c) => n + c.userIds.length, 0);
  }

  /**
   * Adds a batch of complete customers from their events in any order (a store page): events at or after the
   * anchor are left out, and so are `returns` of customers without an event before it.
   */
  addEvents(events: readonly EventRecord[], returns: readonly EventRecord[] = []): void {
    const byUser = new Map<string, EventRecord[]>();
    for (const e of events) {
      if (e.ts >= this.anchor) continue;
      let l = byUser.get(e.userId);
      if (!l) byUser.set(e.userId, (l = []));
      l.push(e);
    }
    this.add(byUser, [...byUser.keys()], returns);
  }

  /**
   * Adds customers `userIds`, in this order, none added before: `byUser` holds each one's events before the
   * anchor, in the order they happened to be read (sums follow it).
   */
  add(byUser: ReadonlyMap<string, readonly EventRecord[]>, userIds: readonly string[], returns: readonly EventRecord[] = []): void {
    const nU = userIds.length;
    const us = emptyUserStats(nU);
    const local = new Map(userIds.map((id, i) => [id, i] as const));
    for (const e of returns) {
      const u = e.ts < this.anchor ? local.get(e.userId) : undefined;
      if (u === undefined) continue;
      us.returns[u]! += 1;
      us.lastReturnTs[u] = Math.max(us.lastReturnTs[u]!, e.ts);
    }
    const rows: { item: number; a: Acc }[][] = [];
    for (let u = 0; u < nU; u++) rows.push(this.addUser(us, u, byUser.get(userIds[u]!) ?? []));
    const chunk: Chunk = { userIds: [...userIds], us, ...emptyRows(nU, rows.reduce((n, r) => n + r.length, 0)) };
    let p = 0;
    rows.forEach((row, u) => {
      chunk.rowStart[u + 1] = chunk.rowStart[u]! + row.length;
      for (const { item, a } of row) {
        chunk.item[p] = item;
        chunk.lines[p] = a.lines;
        chunk.baskets[p] = a.baskets.size;
        chunk.strength[p] = a.strength;
        chunk.decShort[p] = a.decS;
        chunk.decLong[p] = a.decL;
        chunk.lastTs[p] = a.last;
        chunk.lastBuyTs[p] = a.lastBuy;
        chunk.firstTs[p] = a.first;
        p++;
      }
    });
    this.chunks.push(chunk);
  }

  /** One customer's statistics into `us[u]` and the item statistics; returns their (item, aggregate) rows by item. */
  private addUser(us: UserStats, u: number, evs: readonly EventRecord[]): { item: number; a: Acc }[] {
    const { anchor, it, w, lnS, lnL } = this;
    const accs = new Map<number, Acc>();
    const userBaskets = new Set<string>();
    const b30 = new Set<string>();
    const b90 = new Set<string>();
    let first = Infinity;
    let last = -Infinity;
    let lastBuy = -Infinity;
    const periods = new Set<number>();
    const weeks = new Set<number>();
    const days = new Set<number>();
    const b7 = new Set<string>();
    const b180 = new Set<string>();
    /** each basket's latest purchase time, for the decayed counts */
    const basketTs = new Map<string, number>();
    let firstBuy = Infinity;
    const touch = (item: number, e: EventRecord, weight: number, isBuy: boolean, basket: string): void => {
      let a = accs.get(item);
      if (!a) {
        a = { lines: 0, baskets: new Set(), strength: 0, decS: 0, decL: 0, last: -Infinity, lastBuy: -Infinity, first: Infinity };
        accs.set(item, a);
      }
      const age = anchor - e.ts;
      a.decS += weight * Math.exp(-lnS * age);
      a.decL += weight * Math.exp(-lnL * age);
      a.strength = Math.max(a.strength, weight);
      a.last = Math.max(a.last, e.ts);
      a.first = Math.min(a.first, e.ts);
      if (isBuy) {
        a.lines++;
        a.baskets.add(basket);
        a.lastBuy = Math.max(a.lastBuy, e.ts);
      }
      if (age < 30 * DAY) it.interest30[item]! += weight;
    };
    for (const e of evs) {
      first = Math.min(first, e.ts);
      last = Math.max(last, e.ts);
      const age = anchor - e.ts;
      const ti = EVENT_TYPES.indexOf(e.type);
      us.mixAll[u * 4 + ti]! += 1;
      if (age < 30 * DAY) us.mix30[u * 4 + ti]! += 1;
      const basket = e.sessionId ?? `d${Math.floor(e.ts / DAY)}`;
      const isBuy = e.type === 'purchase';
      if (isBuy) {
        userBaskets.add(basket);
        if (age < 30 * DAY) b30.add(basket);
        if (age < 90 * DAY) b90.add(basket);
        us.lines[u]! += 1;
        us.monetary[u]! += (e.quantity ?? 0) * (e.price ?? 0);
        us.sumLogQty[u]! += Math.log1p(Math.max(0, e.quantity ?? 0));
        us.sumLogPrice[u]! += Math.log1p(Math.max(0, e.price ?? 0));
        us.sumHour[u]! += ((e.ts % DAY) + DAY) % DAY / 3_600_000;
        basketTs.set(basket, Math.max(basketTs.get(basket) ?? -Infinity, e.ts));
        lastBuy = Math.max(lastBuy, e.ts);
        periods.add(Math.floor(age / (30 * DAY)));
        weeks.add(Math.floor(age / (7 * DAY)));
        days.add(Math.floor(e.ts / DAY));
        if (age < 7 * DAY) b7.add(basket);
        if (age < 180 * DAY) b180.add(basket);
        firstBuy = Math.min(firstBuy, e.ts);
      }
      if (e.itemId !== null) {
        const item = this.itemIndex.get(e.itemId);
        if (item === undefined) continue;
        touch(item, e, w[e.type], isBuy, basket);
        if (isBuy && e.price !== null && e.price > 0) {
          it.price[item]! += e.price;
          this.priceN[item]! += 1;
        }
      } else if (e.query && this.queryMapper) {
        // A search names no item: spread its weight over the items its terms match (intent spelled out).
        for (const [item, share] of this.queryMapper.map(e.query)) touch(item, e, w.search * share, false, basket);
      }
    }
    us.baskets[u] = userBaskets.size;
    us.baskets30[u] = b30.size;
    us.baskets90[u] = b90.size;
    us.firstTs[u] = first;
    us.lastTs[u] = last;
    us.lastBuyTs[u] = lastBuy;
    us.distinctItems[u] = accs.size;
    us.baskets7[u] = b7.size;
    us.baskets180[u] = b180.size;
    us.buyDays[u] = days.size;
    us.firstBuyTs[u] = firstBuy === Infinity ? -Infinity : firstBuy;
    const nd = BASKET_DECAY_DAYS.length;
    for (const ts of basketTs.values()) {
      const ageDays = (anchor - ts) / DAY;
      for (let k = 0; k < nd; k++) us.basketDecay[u * nd + k]! += Math.exp(-ageDays / BASKET_DECAY_DAYS[k]!);
    }
    for (const wk of weeks) {
      if (wk < 13) us.activeWeeks13[u]! += 1;
      if (wk < 26) us.activeWeeks26[u]! += 1;
    }
    // Regularity (how many recent months had a purchase) predicts the next month better than raw counts.
    for (const p of periods) {
      if (p < 3) us.activePeriods3[u]! += 1;
      if (p < 6) us.activePeriods6[u]! += 1;
      if (p < 12) us.activePeriods12[u]! += 1;
    }
    const row = [...accs].map(([item, a]) => ({ item, a })).sort((x, y) => x.item - y.item);
    for (const { item, a } of row) {
      it.firstTs[item] = Math.min(it.firstTs[item]!, a.first);
      if (a.lines === 0) continue;
      it.buyers[item]! += 1;
      const age = anchor - a.lastBuy;
      if (age < 7 * DAY) it.buyers7[item]! += 1;
      if (age < 30 * DAY) it.buyers30[item]! += 1;
      if (age < 90 * DAY) it.buyers90[item]! += 1;
      if (a.baskets.size >= 2) it.repeatBuyers[item]! += 1;
    }
    return row;
  }

  /**
   * The snapshot of every customer added: in the order added (`'added'`), or by id (`'id'`: the order a snapshot
   * of all events has, whatever order batches came in). The builder is spent afterwards.
   */
  finish(order: 'added' | 'id' = 'id'): Snapshot {
    const chunks = this.chunks;
    this.chunks = [];
    const nI = this.itemIds.length;
    for (let i = 0; i < nI; i++) if (this.priceN[i]! > 0) this.it.price[i] = this.it.price[i]! / this.priceN[i]!;
    const ids = chunks.flatMap((c) => c.userIds);
    const rank = Int32Array.from(ids.keys());
    if (order === 'id') rank.sort((a, b) => (ids[a]! < ids[b]! ? -1 : ids[a]! > ids[b]! ? 1 : 0));
    const inOrder = rank.every((g, r) => g === r);
    // One batch already in its final order (a snapshot of events held at once): its arrays are the snapshot's.
    const one = chunks.length === 1 && inOrder ? chunks[0]! : gather(chunks, rank);
    const userIds = inOrder ? ids : Array.from(rank, (g) => ids[g]!);
    const { us, userIds: _ids, ...rows } = one;
    return { anchor: this.anchor, itemIds: this.itemIds, itemIndex: this.itemIndex, userIds, userIndex: new Map(userIds.map((id, i) => [id, i] as const)), ...rows, user: us, itemStats: this.it };
  }
}

/** The batches' customers as one batch, customer r being the batch-wide customer rank[r] (batches concatenated). */
function gather(chunks: readonly Chunk[], rank: Int32Array): Chunk {
  const total = rank.length;
  const chunkOf = new Int32Array(total);
  const localOf = new Int32Array(total);
  let g = 0;
  chunks.forEach((c, k) => {
    for (let l = 0; l < c.userIds.length; l++, g++) {
      chunkOf[g] = k;
      localOf[g] = l;
    }
  });
  const nnz = chunks.reduce((n, c) => n + c.item.length, 0);
  const us = emptyUserStats(total);
  const fields = Object.keys(us) as (keyof UserStats)[];
  const out: Chunk = { userIds: [], us, ...emptyRows(total, nnz) };
  // Per-user fields are `width` values a user (the event mixes: 4, the decayed basket counts: one per scale).
  const width = fields.map((f) => us[f].length / Math.max(1, total));
  // Element by element: a million customers would otherwise make tens of millions of subarray views.
  for (let r = 0; r < total; r++) {
    const c = chunks[chunkOf[rank[r]!]!]!;
    const l = localOf[rank[r]!]!;
    fields.forEach((f, k) => {
      const w = width[k]!;
      const from = c.us[f];
      const to = us[f];
      for (let j = 0; j < w; j++) to[r * w + j] = from[l * w + j]!;
    });
    const s = c.rowStart[l]!;
    const e = c.rowStart[l + 1]!;
    const o = out.rowStart[r]!;
    out.rowStart[r + 1] = o + (e - s);
    for (const f of PAIR_FIELDS) {
      const from = c[f];
      const to = out[f];
      for (let p = s; p < e; p++) to[o + p - s] = from[p]!;
    }
  }
  return out;
}

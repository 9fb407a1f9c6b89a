import { EVENT_TYPES, type EventRecord, type EventType } from './types';
import type { QueryMapper } from './query-map';

const DAY = 86_400_000;

/** How strongly each event type signals interest, purchase = 1 (search < view < cart < purchase). */
export type EventWeights = Record<EventType, number>;
export const DEFAULT_EVENT_WEIGHTS: EventWeights = { search: 0.1, view: 0.25, cart: 0.5, purchase: 1 };

/** Per-(user, item) aggregates, stored CSR by user; item indices are local to the snapshot's vocabulary. */
export interface Snapshot {
  anchor: number;
  itemIds: string[];
  itemIndex: Map<string, number>;
  userIds: string[];
  userIndex: Map<string, number>;
  rowStart: Int32Array;
  item: Int32Array;
  /** purchase lines */
  lines: Float32Array;
  /** distinct baskets (sessions, else days) with a purchase of the item */
  baskets: Float32Array;
  /** strongest event type seen, as its weight (purchase = 1) */
  strength: Float32Array;
  /** Σ type weight × 2^(−age / half-life) for the short and long half-lives */
  decShort: Float32Array;
  decLong: Float32Array;
  /** last event of any type and last purchase (−Infinity when never bought) */
  lastTs: Float64Array;
  lastBuyTs: Float64Array;
  firstTs: Float64Array;
  user: UserStats;
  itemStats: ItemStats;
}

/** Behaviour of each user before the anchor (indexed like userIds). */
export interface UserStats {
  baskets: Float32Array;
  lines: Float32Array;
  monetary: Float32Array;
  firstTs: Float64Array;
  lastBuyTs: Float64Array;
  lastTs: Float64Array;
  baskets30: Float32Array;
  baskets90: Float32Array;
  /** events per type (search, view, cart, purchase) in the last 30 days, row-major [user][4] */
  mix30: Float32Array;
  distinctItems: Float32Array;
  /** distinct 30-day periods (counted back from the anchor) with a purchase, within the last 3, 6 and 12 */
  activePeriods3: Float32Array;
  activePeriods6: Float32Array;
  activePeriods12: Float32Array;
  /** baskets in the last 7 and 180 days */
  baskets7: Float32Array;
  baskets180: Float32Array;
  /** distinct 7-day periods (counted back from the anchor) with a purchase, within the last 13 and 26 */
  activeWeeks13: Float32Array;
  activeWeeks26: Float32Array;
  /** distinct calendar days with a purchase, and the first purchase (−Infinity when never bought) */
  buyDays: Float32Array;
  firstBuyTs: Float64Array;
  /** returned / cancelled purchase lines (from {@link SnapshotOptions.returns}) and the last one (−Infinity when none) */
  returns: Float32Array;
  lastReturnTs: Float64Array;
  /** over purchase lines: Σ ln(1 + quantity), Σ ln(1 + unit price) and Σ hour of day (UTC): the kind of buyer */
  sumLogQty: Float32Array;
  sumLogPrice: Float32Array;
  sumHour: Float32Array;
  /** Σ over baskets of e^(−age / τ) for τ in {@link BASKET_DECAY_DAYS}, row-major [user][scale] */
  basketDecay: Float32Array;
}

/** Time scales (days) of the decayed basket counts: a customer's rate seen over a week up to most of a year. */
export const BASKET_DECAY_DAYS = [7, 14, 30, 60, 120, 240] as const;

/** Item popularity before the anchor (indexed like itemIds). */
export interface ItemStats {
  buyers: Float32Array;
  buyers7: Float32Array;
  buyers30: Float32Array;
  buyers90: Float32Array;
  /** users with 2+ baskets of the item */
  repeatBuyers: Float32Array;
  /** any-event interest (weighted users) in the last 30 days, for shops with views and carts */
  interest30: Float32Array;
  firstTs: Float64Array;
  price: Float32Array;
}

/** Options for {@link buildSnapshot}. */
export interface SnapshotOptions {
  /** fixed item vocabulary (serving); otherwise every item with an event before the anchor, sorted */
  itemIds?: readonly string[];
  /** only these users (scoring a shard) */
  userIds?: readonly string[];
  weights?: EventWeights;
  halfLifeShortDays?: number;
  halfLifeLongDays?: number;
  queryMapper?: QueryMapper | null;
  /**
   * Returns and cancellations (purchases with a negative quantity, which cleaning removes from `events`): only
   * counted per user, as a sign of an active trade customer; they never count as purchases.
   */
  returns?: readonly EventRecord[];
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

/** Aggregates all events strictly before `anchor` into per-user, per-item and per-(user, item) statistics. */
export function buildSnapshot(events: readonly EventRecord[], anchor: number, opts: SnapshotOptions = {}): Snapshot {
  const w = opts.weights ?? DEFAULT_EVENT_WEIGHTS;
  const lnS = Math.LN2 / ((opts.halfLifeShortDays ?? 30) * DAY);
  const lnL = Math.LN2 / ((opts.halfLifeLongDays ?? 180) * DAY);
  const userFilter = opts.userIds ? new Set(opts.userIds) : null;
  let itemIds: string[];
  if (opts.itemIds) itemIds = [...opts.itemIds];
  else {
    const s = new Set<string>();
    for (const e of events) if (e.ts < anchor && e.itemId !== null) s.add(e.itemId);
    itemIds = [...s].sort();
  }
  const itemIndex = new Map(itemIds.map((id, i) => [id, i] as const));
  const byUser = new Map<string, EventRecord[]>();
  for (const e of events) {
    if (e.ts >= anchor) continue;
    if (userFilter && !userFilter.has(e.userId)) continue;
    let l = byUser.get(e.userId);
    if (!l) byUser.set(e.userId, (l = []));
    l.push(e);
  }
  const userIds = opts.userIds ? opts.userIds.filter((u) => byUser.has(u)) : [...byUser.keys()].sort();
  const userIndex = new Map(userIds.map((id, i) => [id, i] as const));
  const nI = itemIds.length;
  const nU = userIds.length;
  const it: ItemStats = {
    buyers: new Float32Array(nI), buyers7: new Float32Array(nI), buyers30: new Float32Array(nI),
    buyers90: new Float32Array(nI), repeatBuyers: new Float32Array(nI), interest30: new Float32Array(nI),
    firstTs: new Float64Array(nI).fill(Infinity), price: new Float32Array(nI),
  };
  const priceN = new Float32Array(nI);
  const us: UserStats = {
    baskets: new Float32Array(nU), lines: new Float32Array(nU), monetary: new Float32Array(nU),
    firstTs: new Float64Array(nU), lastBuyTs: new Float64Array(nU), lastTs: new Float64Array(nU),
    baskets30: new Float32Array(nU), baskets90: new Float32Array(nU), mix30: new Float32Array(nU * 4),
    distinctItems: new Float32Array(nU), activePeriods3: new Float32Array(nU), activePeriods6: new Float32Array(nU),
    activePeriods12: new Float32Array(nU), baskets7: new Float32Array(nU), baskets180: new Float32Array(nU),
    activeWeeks13: new Float32Array(nU), activeWeeks26: new Float32Array(nU), buyDays: new Float32Array(nU),
    firstBuyTs: new Float64Array(nU), returns: new Float32Array(nU), lastReturnTs: new Float64Array(nU).fill(-Infinity),
    sumLogQty: new Float32Array(nU), sumLogPrice: new Float32Array(nU), sumHour: new Float32Array(nU),
    basketDecay: new Float32Array(nU * BASKET_DECAY_DAYS.length),
  };
  for (const e of opts.returns ?? []) {
    const u = e.ts < anchor ? userIndex.get(e.userId) : undefined;
    if (u === undefined) continue;
    us.returns[u]! += 1;
    us.lastReturnTs[u] = Math.max(us.lastReturnTs[u]!, e.ts);
  }
  const rows: { item: number; a: Acc }[][] = [];
  for (let u = 0; u < nU; u++) {
    const evs = byUser.get(userIds[u]!)!;
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
        const item = itemIndex.get(e.itemId);
        if (item === undefined) continue;
        touch(item, e, w[e.type], isBuy, basket);
        if (isBuy && e.price !== null && e.price > 0) {
          it.price[item]! += e.price;
          priceN[item]! += 1;
        }
      } else if (e.query && opts.queryMapper) {
        // A search names no item: spread its weight over the items its terms match (intent spelled out).
        for (const [item, share] of opts.queryMapper.map(e.query)) touch(item, e, w.search * share, false, basket);
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
    rows.push(row);
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
  }
  for (let i = 0; i < nI; i++) if (priceN[i]! > 0) it.price[i] = it.price[i]! / priceN[i]!;
  const rowStart = new Int32Array(nU + 1);
  for (let u = 0; u < nU; u++) rowStart[u + 1] = rowStart[u]! + rows[u]!.length;
  const nnz = rowStart[nU]!;
  const snap: Snapshot = {
    anchor, itemIds, itemIndex, userIds, userIndex, rowStart,
    item: new Int32Array(nnz), lines: new Float32Array(nnz), baskets: new Float32Array(nnz),
    strength: new Float32Array(nnz), decShort: new Float32Array(nnz), decLong: new Float32Array(nnz),
    lastTs: new Float64Array(nnz), lastBuyTs: new Float64Array(nnz), firstTs: new Float64Array(nnz),
    user: us, itemStats: it,
  };
  let p = 0;
  for (const row of rows) {
    for (const { item, a } of row) {
      snap.item[p] = item;
      snap.lines[p] = a.lines;
      snap.baskets[p] = a.baskets.size;
      snap.strength[p] = a.strength;
      snap.decShort[p] = a.decS;
      snap.decLong[p] = a.decL;
      snap.lastTs[p] = a.last;
      snap.lastBuyTs[p] = a.lastBuy;
      snap.firstTs[p] = a.first;
      p++;
    }
  }
  return snap;
}

/**
 * Distinct known items each user purchased in [from, to): the relevant sets of a window. Users come in the order
 * of their first purchase in the window (then by id), not in the order events were read: the ranker learns from
 * them in this order, so a file and the same events loaded back from the database train the same model.
 */
export function purchasesInWindow(
  events: readonly EventRecord[], from: number, to: number, itemIndex: ReadonlyMap<string, number>,
): Map<string, Set<number>> {
  const sets = new Map<string, Set<number>>();
  const first = new Map<string, number>();
  for (const e of events) {
    if (e.type !== 'purchase' || e.ts < from || e.ts >= to || e.itemId === null) continue;
    const i = itemIndex.get(e.itemId);
    if (i === undefined) continue;
    let s = sets.get(e.userId);
    if (!s) sets.set(e.userId, (s = new Set()));
    s.add(i);
    const f = first.get(e.userId);
    if (f === undefined || e.ts < f) first.set(e.userId, e.ts);
  }
  const users = [...sets.keys()].sort((a, b) => first.get(a)! - first.get(b)! || (a < b ? -1 : a > b ? 1 : 0));
  return new Map(users.map((u) => [u, sets.get(u)!]));
}

/** Users with any purchase in [from, to) (intent labels). */
export function buyersInWindow(events: readonly EventRecord[], from: number, to: number): Set<string> {
  const s = new Set<string>();
  for (const e of events) if (e.type === 'purchase' && e.ts >= from && e.ts < to) s.add(e.userId);
  return s;
}

export { DAY };

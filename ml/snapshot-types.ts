import type { EventRecord, EventType } from './types';
import type { QueryMapper } from './query-map';

/**
 * The shape of a snapshot (per-user, per-item and per-(user, item) aggregates before an anchor) and its constants,
 * apart from the code that builds one (snapshot-builder.ts) so both builders and readers can import them.
 */

export const DAY = 86_400_000;

/** How strongly each event type signals interest, purchase = 1 (search < view < cart < purchase). */
export type EventWeights = Record<EventType, number>;
export const DEFAULT_EVENT_WEIGHTS: EventWeights = { search: 0.1, view: 0.25, cart: 0.5, purchase: 1 };

/** Per-(user, item) aggregates, stored CSR by user; item indices are local to the snapshot's vocabulary. */
export interface Snapshot {
  anchor: number;
  itemIds: readonly string[];
  itemIndex: ReadonlyMap<string, number>;
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
  /** events per type before the anchor, row-major [user][4] (the segmentation's event mix) */
  mixAll: Float32Array;
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

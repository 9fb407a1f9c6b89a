import type { EventRecord } from '../../ml/types';
import { makeRng, pickCumulative, zipfCumulative } from './generator-rng';

/** Parameters of a synthetic shop. */
export interface GeneratorOptions {
  users: number;
  items: number;
  days: number;
  seed: number;
  /** share of lines written malformed (0–1) */
  malformedRate: number;
  /** stop after this many event lines (default: whatever the days produce) */
  maxEvents?: number;
  /** first day, UTC (default 2024-01-01) */
  startMs?: number;
  /** mean sessions per user per day */
  sessionsPerUserDay?: number;
}

/** One synthetic event in the generic layout. */
export interface SyntheticEvent {
  user: string;
  item: string;
  type: 'search' | 'view' | 'cart' | 'purchase';
  ms: number;
  quantity: number | null;
  price: number | null;
  query: string;
  dwellMs: number | null;
  session: string;
}

/** A synthetic event as the models read it (empty item and query strings become null). */
export function asEventRecord(e: SyntheticEvent): EventRecord {
  return {
    userId: e.user, itemId: e.item === '' ? null : e.item, type: e.type, ts: e.ms, quantity: e.quantity, price: e.price,
    query: e.query === '' ? null : e.query, dwellMs: e.dwellMs, sessionId: e.session,
  };
}

/** A synthetic catalogue item. */
export interface SyntheticItem {
  id: string;
  title: string;
  category: string;
  price: number;
  inStock: boolean;
}

const TOPS = ['Home', 'Kitchen', 'Garden', 'Fashion', 'Toys', 'Books', 'Sports', 'Beauty', 'Electronics', 'Office'];
const SUBS = ['Classic', 'Modern', 'Eco', 'Kids', 'Premium', 'Travel'];
const LEAVES = ['Basics', 'Gifts', 'Sets', 'Accessories'];
const ADJ = ['red', 'blue', 'vintage', 'small', 'large', 'soft', 'bright', 'wooden', 'glass', 'cotton', 'retro', 'mini'];
const DAY = 86400000;

/**
 * A deterministic synthetic shop: a category tree, items with Zipf popularity inside each leaf category, users
 * with latent tastes (a few favourite leaves), sessions where searches lead to views, carts and purchases,
 * reorders of earlier purchases, weekly seasonality and a diurnal curve, noise views outside a user's tastes.
 * Memory is O(users + items) typed arrays, whatever the number of days.
 */
export class ShopGenerator {
  readonly leaves: string[];
  private readonly rng: () => number;
  private readonly itemLeaf: Int32Array;
  private readonly itemPrice: Float64Array;
  private readonly leafItems: Int32Array[];
  private readonly leafCum: Float64Array[];
  private readonly leafPopularity: Float64Array;
  private readonly userTaste: Int32Array; // 3 leaves per user
  private readonly userActivity: Float32Array;
  private readonly userActivityCum: Float64Array;
  private readonly lastPurchase: Int32Array;
  private sessionNo = 0;

  constructor(private readonly o: GeneratorOptions) {
    this.rng = makeRng(o.seed);
    const r = this.rng;
    this.leaves = [];
    for (const t of TOPS) for (const s of SUBS) for (const l of LEAVES) this.leaves.push(`${t} > ${s} > ${l}`);
    const L = this.leaves.length;
    this.leafPopularity = zipfCumulative(L, 0.8);
    this.itemLeaf = new Int32Array(o.items);
    this.itemPrice = new Float64Array(o.items);
    const counts = new Int32Array(L);
    for (let i = 0; i < o.items; i++) {
      const leaf = pickCumulative(this.leafPopularity, r());
      this.itemLeaf[i] = leaf;
      counts[leaf] = (counts[leaf] ?? 0) + 1;
      this.itemPrice[i] = Math.round(Math.exp(1 + r() * 4) * 100) / 100;
    }
    this.leafItems = Array.from({ length: L }, (_, l) => new Int32Array(counts[l] ?? 0));
    const fill = new Int32Array(L);
    for (let i = 0; i < o.items; i++) {
      const l = this.itemLeaf[i] as number;
      (this.leafItems[l] as Int32Array)[fill[l] ?? 0] = i;
      fill[l] = (fill[l] ?? 0) + 1;
    }
    // Within a leaf, popularity follows Zipf over the leaf's items (in id order: low ids are the bestsellers).
    this.leafCum = this.leafItems.map((items) => zipfCumulative(Math.max(1, items.length), 1.05));
    this.userTaste = new Int32Array(o.users * 3);
    this.userActivity = new Float32Array(o.users);
    this.userActivityCum = new Float64Array(o.users);
    let acc = 0;
    for (let u = 0; u < o.users; u++) {
      for (let k = 0; k < 3; k++) this.userTaste[u * 3 + k] = pickCumulative(this.leafPopularity, r());
      // Heavy-tailed activity: a few users come back often, most rarely.
      const a = Math.exp((r() + r() + r() - 1.5) * 1.6);
      this.userActivity[u] = a;
      acc += a;
      this.userActivityCum[u] = acc;
    }
    this.lastPurchase = new Int32Array(o.users).fill(-1);
  }

  /** The catalogue, item by item. */
  *catalogue(): Generator<SyntheticItem> {
    const r = makeRng(this.o.seed ^ 0x5bd1e995);
    for (let i = 0; i < this.o.items; i++) {
      const leaf = this.leaves[this.itemLeaf[i] as number] as string;
      const noun = leaf.split(' > ')[2] ?? 'Item';
      const adj = ADJ[Math.floor(r() * ADJ.length)] as string;
      yield { id: itemId(i), title: `${adj} ${noun.toLowerCase()} ${i}`, category: leaf, price: this.itemPrice[i] as number, inStock: r() > 0.05 };
    }
  }

  /** Events in session order, day by day. */
  *events(): Generator<SyntheticEvent> {
    const r = this.rng;
    const start = this.o.startMs ?? Date.UTC(2024, 0, 1);
    const perUserDay = this.o.sessionsPerUserDay ?? 0.05;
    let emitted = 0;
    const max = this.o.maxEvents ?? Number.POSITIVE_INFINITY;
    for (let day = 0; day < this.o.days; day++) {
      const dayStart = start + day * DAY;
      const weekday = new Date(dayStart).getUTCDay();
      // Weekly seasonality: busier at weekends, quieter mid-week; a slow upward trend.
      const season = [1.3, 0.9, 0.85, 0.9, 1.0, 1.1, 1.35][weekday] as number;
      const sessions = Math.round(this.o.users * perUserDay * season * (1 + day / Math.max(1, this.o.days) / 5));
      const starts = new Float64Array(sessions);
      for (let s = 0; s < sessions; s++) {
        // Diurnal: two humps (lunch, evening) from a mix of normals, clamped to the day.
        const hour = r() < 0.4 ? 12.5 + gauss(r) * 2 : 20 + gauss(r) * 2.2;
        starts[s] = dayStart + Math.min(DAY - 1, Math.max(0, hour * 3600000));
      }
      starts.sort();
      for (let s = 0; s < sessions; s++) {
        for (const e of this.session(starts[s] as number)) {
          yield e;
          if (++emitted >= max) return;
        }
      }
    }
  }

  private session(t0: number): SyntheticEvent[] {
    const r = this.rng;
    const u = pickCumulative(this.userActivityCum, r());
    const user = `u${u}`;
    const session = `s${++this.sessionNo}`;
    const out: SyntheticEvent[] = [];
    let t = t0;
    const step = (): number => (t += 5000 + Math.floor(r() * 120000));
    const last = this.lastPurchase[u] as number;
    if (last >= 0 && r() < 0.15) {
      // Reorder: straight to the item bought before.
      const price = this.itemPrice[last] as number;
      out.push(ev(user, itemId(last), 'view', step(), null, null, '', 2000 + Math.floor(r() * 20000), session));
      out.push(ev(user, itemId(last), 'cart', step(), 1, price, '', null, session));
      out.push(ev(user, itemId(last), 'purchase', step(), 1 + Math.floor(r() * 3), price, '', null, session));
      return out;
    }
    const leaf = r() < 0.85 ? (this.userTaste[u * 3 + Math.floor(r() * 3)] as number) : Math.floor(r() * this.leaves.length);
    const items = this.leafItems[leaf] as Int32Array;
    if (items.length === 0) return out;
    if (r() < 0.45) {
      const words = (this.leaves[leaf] as string).split(' > ');
      out.push(ev(user, '', 'search', step(), null, null, `${ADJ[Math.floor(r() * ADJ.length)] as string} ${(words[2] ?? '').toLowerCase()}`, null, session));
    }
    const views = 1 + Math.floor(-Math.log(1 - r()) * 2.5);
    for (let v = 0; v < views; v++) {
      const i = items[pickCumulative(this.leafCum[leaf] as Float64Array, r())] as number;
      const id = itemId(i);
      out.push(ev(user, id, 'view', step(), null, null, '', Math.floor(1000 + -Math.log(1 - r()) * 25000), session));
      if (r() < 0.22) {
        const price = this.itemPrice[i] as number;
        out.push(ev(user, id, 'cart', step(), 1, price, '', null, session));
        if (r() < 0.55) {
          out.push(ev(user, id, 'purchase', step(), 1 + (r() < 0.2 ? Math.floor(r() * 4) : 0), price, '', null, session));
          this.lastPurchase[u] = i;
        }
      }
    }
    return out;
  }
}

function gauss(r: () => number): number {
  return Math.sqrt(-2 * Math.log(1 - r())) * Math.cos(2 * Math.PI * r());
}

const itemId = (i: number): string => `i${i}`;

function ev(user: string, item: string, type: SyntheticEvent['type'], ms: number, quantity: number | null, price: number | null, query: string, dwellMs: number | null, session: string): SyntheticEvent {
  return { user, item, type, ms, quantity, price, query, dwellMs, session };
}

/** Header of the generic events layout. */
export const GENERIC_HEADER = 'user_id,item_id,event_type,ts,quantity,price,query,dwell_ms,session_id';

/** One event as a generic CSV line (no newline). */
export function csvLine(e: SyntheticEvent): string {
  return `${e.user},${e.item},${e.type},${new Date(e.ms).toISOString()},${e.quantity ?? ''},${e.price ?? ''},${e.query},${e.dwellMs ?? ''},${e.session}`;
}

/** One event as an NDJSON line (no newline). */
export function jsonLine(e: SyntheticEvent): string {
  return JSON.stringify({
    user_id: e.user,
    ...(e.item ? { item_id: e.item } : {}),
    event_type: e.type,
    ts: new Date(e.ms).toISOString(),
    ...(e.quantity !== null ? { quantity: e.quantity } : {}),
    ...(e.price !== null ? { price: e.price } : {}),
    ...(e.query ? { query: e.query } : {}),
    ...(e.dwellMs !== null ? { dwell_ms: e.dwellMs } : {}),
    session_id: e.session,
  });
}

/** Kinds of damage `malform` applies, each caught by a different reject reason. */
export const MALFORMATIONS = ['missing_user', 'unparseable_time', 'unknown_event_type', 'wrong_column_count', 'negative_price', 'bad_quantity'] as const;

/** A damaged copy of an event line (CSV), picked by `r`; the reason ingest should give is returned with it. */
export function malform(e: SyntheticEvent, r: number, json: boolean): { line: string; reason: string } {
  const kind = MALFORMATIONS[Math.floor(r * MALFORMATIONS.length)] ?? 'missing_user';
  const bad: SyntheticEvent = { ...e };
  let line: string;
  switch (kind) {
    case 'missing_user':
      bad.user = '';
      break;
    case 'unparseable_time':
      bad.ms = Number.NaN;
      break;
    case 'unknown_event_type':
      bad.type = 'wishlist' as SyntheticEvent['type'];
      break;
    case 'negative_price':
      bad.price = -Math.abs(e.price ?? 1) - 1;
      break;
    case 'bad_quantity':
      bad.quantity = 1.5;
      break;
    case 'wrong_column_count':
      break;
  }
  const toLine = (x: SyntheticEvent): string => {
    if (Number.isNaN(x.ms)) return (json ? jsonLine({ ...x, ms: 0 }) : csvLine({ ...x, ms: 0 })).replace('1970-01-01T00:00:00.000Z', 'not-a-date');
    return json ? jsonLine(x) : csvLine(x);
  };
  line = toLine(bad);
  if (kind === 'wrong_column_count') line = json ? line.slice(0, -3) : `${line},extra`;
  return { line, reason: kind === 'wrong_column_count' && json ? 'bad_json' : kind };
}

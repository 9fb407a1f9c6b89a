import { csvLine, GENERIC_HEADER, ShopGenerator } from './generator';
import { makeRng, pickCumulative, zipfCumulative } from './generator-rng';

/**
 * Shop shapes: synthetic files shaped like the kinds of shops ShopIntent must serve besides UCI's wholesaler,
 * each ingested through a shipped mapping preset. `scale` shrinks (or grows) the customer and item counts, so
 * tests run the same shapes small.
 */
export const SHAPE_NAMES = ['grocery', 'catalogue', 'clickstream', 'sessions', 'tiny'] as const;
export type ShapeName = (typeof SHAPE_NAMES)[number];

/** Options of a shape. */
export interface ShapeOptions {
  seed: number;
  /** multiplies customers and items (1 = the shape's own size); `tiny` is always 200 customers */
  scale: number;
  /** first day, UTC (default 2024-01-01) */
  startMs?: number;
}

/** A shape: its file format, the preset that ingests it, and its lines (header first for CSV). */
export interface Shape {
  name: ShapeName;
  /** what it imitates, for the summary and the docs */
  describe: string;
  format: 'csv' | 'ndjson';
  mapping: 'generic' | 'generic-sessions';
  lines(o: ShapeOptions): Generator<string>;
}

const DAY = 86_400_000;
const iso = (ms: number): string => new Date(ms).toISOString();
const scaled = (n: number, scale: number, min: number): number => Math.max(min, Math.round(n * scale));

/** Items dealt into taste groups of about `size` (group g holds a contiguous range), Zipf popularity inside each. */
function tasteGroups(items: number, size: number): { groups: number; pick: (g: number, r: () => number) => number } {
  const groups = Math.max(5, Math.round(items / size));
  const perGroup = Math.ceil(items / groups);
  const inGroup = zipfCumulative(perGroup, 1.0);
  return { groups, pick: (g, r) => Math.min(items - 1, g * perGroup + pickCumulative(inGroup, r())) };
}

/** Lines generated customer by customer, written in time order (as a shop's export is). */
function* inTimeOrder(rows: { ms: number; line: string }[]): Generator<string> {
  rows.sort((a, b) => a.ms - b.ms);
  for (const x of rows) yield x.line;
}

/** Distinct draws from cumulative weights (a few retries per draw; duplicates are skipped). */
function distinctDraws(cum: Float64Array, n: number, r: () => number): number[] {
  const out = new Set<number>();
  for (let t = 0; t < n * 4 && out.size < n; t++) out.add(pickCumulative(cum, r()));
  return [...out];
}

/**
 * Grocery: weekly baskets of 4–14 lines, about 80% of them the customer's own staples (rebought week after
 * week), the rest tried from the popular range (some become staples). No price and no quantity column.
 */
function* grocery(o: ShapeOptions): Generator<string> {
  const r = makeRng(o.seed);
  const users = scaled(5000, o.scale, 40);
  const items = scaled(4000, o.scale, 80);
  const weeks = 26;
  const start = o.startMs ?? Date.UTC(2024, 0, 1);
  const pop = zipfCumulative(items, 1.0);
  yield 'user_id,item_id,event_type,ts';
  // Customers are generated one after the other, then their baskets are merged by time (a file in time order).
  const baskets: { ms: number; lines: string[] }[] = [];
  for (let u = 0; u < users; u++) {
    const staples = distinctDraws(pop, 8 + Math.floor(r() * 18), r);
    const visit = 0.3 + r() * 0.65;
    const weekday = Math.floor(r() * 7);
    const hour = 8 + Math.floor(r() * 12);
    for (let w = 0; w < weeks; w++) {
      if (r() > visit) continue;
      const ms = start + (w * 7 + weekday) * DAY + hour * 3_600_000 + Math.floor(r() * 3_600_000);
      const size = 4 + Math.floor(r() * 11);
      const picked = new Set<number>();
      for (let j = 0; j < size; j++) {
        let item: number;
        if (r() < 0.8) item = staples[Math.floor(Math.pow(r(), 1.5) * staples.length)]!;
        else {
          item = pickCumulative(pop, r());
          if (r() < 0.3) staples.push(item);
        }
        picked.add(item);
      }
      baskets.push({ ms, lines: [...picked].map((i, j) => `c${u},g${i},purchase,${iso(ms + j * 1000)}`) });
    }
  }
  baskets.sort((a, b) => a.ms - b.ms);
  for (const b of baskets) yield* b.lines;
}

/** One purchase of the catalogue shape: the customer, the item, and the customer's active days (first, length). */
export interface CataloguePurchase {
  user: number;
  item: number;
  firstDay: number;
  spanDays: number;
}

/**
 * The catalogue shape's tastes: genres of about 100 items (genre g holds items g, g + G, g + 2G, …, its
 * bestsellers first, Zipf 1.1 inside; genres Zipf 0.7); each customer likes two or three genres and buys 2 to 60
 * distinct items (about 9 on average), 90% of them from the liked genres. Purchases are yielded one by one,
 * lazily, so a caller that draws from `r` between them (the shape file draws each purchase's time) interleaves
 * its draws with these.
 */
export function* catalogueTastes(r: () => number, items: number, users: number): Generator<CataloguePurchase> {
  const genres = Math.max(8, Math.round(items / 100));
  const genrePop = zipfCumulative(genres, 0.7);
  const perGenre = Math.ceil(items / genres);
  const inGenre = zipfCumulative(perGenre, 1.1);
  for (let u = 0; u < users; u++) {
    const liked = [0, 1, 2].slice(0, 2 + Math.floor(r() * 2)).map(() => pickCumulative(genrePop, r()));
    const n = Math.min(60, 2 + Math.floor(-Math.log(1 - r()) * 7));
    const firstDay = Math.floor(r() * 300);
    const spanDays = Math.min(365 - firstDay, 30 + Math.floor(r() * 300));
    const bought = new Set<number>();
    for (let p = 0; p < n; p++) {
      for (let t = 0; t < 10; t++) {
        const g = r() < 0.9 ? liked[Math.floor(r() * liked.length)]! : Math.floor(r() * genres);
        const item = g + genres * pickCumulative(inGenre, r());
        if (item >= items || bought.has(item)) continue;
        bought.add(item);
        yield { user: u, item, firstDay, spanDays };
        break;
      }
    }
  }
}

/**
 * Catalogue: 50,000 items in genres of about 100 with a long tail inside each; every customer buys a few to a
 * few dozen items from two or three genres over the year, never the same item twice. Prices, quantity 1.
 */
function* catalogue(o: ShapeOptions): Generator<string> {
  const r = makeRng(o.seed);
  const items = scaled(50_000, o.scale, 400);
  const users = scaled(20_000, o.scale, 200);
  const start = o.startMs ?? Date.UTC(2024, 0, 1);
  const price = (i: number): string => (Math.round(Math.exp(1.5 + ((i * 7919) % 1000) / 300) * 100) / 100).toFixed(2);
  yield `${GENERIC_HEADER.split(',').slice(0, 6).join(',')}`;
  const rows: { ms: number; line: string }[] = [];
  for (const b of catalogueTastes(r, items, users)) {
    const ms = start + b.firstDay * DAY + Math.floor(r() * b.spanDays * DAY);
    rows.push({ ms, line: `r${b.user},b${b.item},purchase,${iso(ms)},1,${price(b.item)}` });
  }
  yield* inTimeOrder(rows);
}

/**
 * Clickstream: visitors browse (view), add to cart and favourite items of their taste over two months; only 5%
 * of them ever buy. Unix-second timestamps, event words view / cart / favourite / buy.
 */
function* clickstream(o: ShapeOptions): Generator<string> {
  const r = makeRng(o.seed);
  const users = scaled(20_000, o.scale, 400);
  const items = scaled(3000, o.scale, 100);
  const days = 60;
  const start = o.startMs ?? Date.UTC(2024, 0, 1);
  const { groups, pick } = tasteGroups(items, 60);
  yield 'user_id,item_id,event_type,ts';
  const rows: { ms: number; line: string }[] = [];
  for (let u = 0; u < users; u++) {
    const buyer = r() < 0.05;
    const taste = [Math.floor(r() * groups), Math.floor(r() * groups)];
    const sessions = 1 + Math.floor(-Math.log(1 - r()) * (buyer ? 5 : 2));
    for (let s = 0; s < sessions; s++) {
      let ms = start + Math.floor(r() * days * DAY);
      const views = 1 + Math.floor(-Math.log(1 - r()) * 4);
      for (let v = 0; v < views; v++) {
        const g = r() < 0.85 ? taste[Math.floor(r() * 2)]! : Math.floor(r() * groups);
        const item = pick(g, r);
        const add = (type: string): void => {
          ms += 5_000 + Math.floor(r() * 90_000);
          rows.push({ ms, line: `v${u},p${item},${type},${Math.floor(ms / 1000)}` });
        };
        add('view');
        if (r() < 0.05) add('favourite');
        if (r() < (buyer ? 0.3 : 0.1)) {
          add('cart');
          if (buyer && r() < 0.5) add('buy');
        }
      }
    }
  }
  yield* inTimeOrder(rows);
}

/**
 * Sessions (NDJSON): most sessions are anonymous (no user_id: the session is its own visitor); a minority carry
 * the id of a logged-in customer who comes back. Views, carts and purchases with prices.
 */
function* sessions(o: ShapeOptions): Generator<string> {
  const r = makeRng(o.seed);
  const count = scaled(40_000, o.scale, 800);
  const known = scaled(3000, o.scale, 60);
  const items = scaled(2000, o.scale, 100);
  const days = 60;
  const start = o.startMs ?? Date.UTC(2024, 0, 1);
  const { groups, pick } = tasteGroups(items, 50);
  const userTaste = Array.from({ length: known }, () => Math.floor(r() * groups));
  const price = (i: number): number => Math.round((3 + ((i * 104729) % 500) / 10) * 100) / 100;
  const rows: { ms: number; line: string }[] = [];
  for (let s = 0; s < count; s++) {
    const user = r() < 0.2 ? Math.floor(Math.pow(r(), 2) * known) : -1;
    const taste = user >= 0 ? userTaste[user]! : Math.floor(r() * groups);
    let ms = start + Math.floor(r() * days * DAY);
    const views = 2 + Math.floor(-Math.log(1 - r()) * 5);
    const buys = r() < (user >= 0 ? 0.35 : 0.08);
    const ev = (item: number, type: string, extra: Record<string, number> = {}): void => {
      ms += 3_000 + Math.floor(r() * 60_000);
      rows.push({ ms, line: JSON.stringify({ session_id: `x${s}`, ...(user >= 0 ? { user_id: `m${user}` } : {}), item_id: `a${item}`, event_type: type, ts: iso(ms), ...extra }) });
    };
    for (let v = 0; v < views; v++) {
      const g = r() < 0.8 ? taste : Math.floor(r() * groups);
      const item = pick(g, r);
      ev(item, 'view');
      if (r() < 0.15) {
        ev(item, 'cart', { quantity: 1 });
        if (buys) ev(item, 'purchase', { quantity: 1, price: price(item) });
      }
    }
  }
  yield* inTimeOrder(rows);
}

/** Tiny: 200 customers over two months (searches, views, carts, purchases with prices), whatever the scale. */
function* tiny(o: ShapeOptions): Generator<string> {
  const gen = new ShopGenerator({ users: 200, items: 150, days: 61, seed: o.seed, malformedRate: 0, sessionsPerUserDay: 0.12, ...(o.startMs === undefined ? {} : { startMs: o.startMs }) });
  yield GENERIC_HEADER;
  for (const e of gen.events()) yield csvLine(e);
}

export const SHAPES: Record<ShapeName, Shape> = {
  grocery: { name: 'grocery', describe: 'weekly baskets, most lines rebought, no prices', format: 'csv', mapping: 'generic', lines: grocery },
  catalogue: { name: 'catalogue', describe: '50,000 items, long tail, one purchase per item per customer', format: 'csv', mapping: 'generic', lines: catalogue },
  clickstream: { name: 'clickstream', describe: 'view / cart / favourite / buy, unix-second times, 5% of customers buy', format: 'csv', mapping: 'generic', lines: clickstream },
  sessions: { name: 'sessions', describe: 'NDJSON, anonymous sessions, a user id on a minority', format: 'ndjson', mapping: 'generic-sessions', lines: sessions },
  tiny: { name: 'tiny', describe: '200 customers over two months', format: 'csv', mapping: 'generic', lines: tiny },
};

export function isShapeName(s: string): s is ShapeName {
  return (SHAPE_NAMES as readonly string[]).includes(s);
}

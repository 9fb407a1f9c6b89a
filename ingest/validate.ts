import { COLUMN_LIMITS, EVENT_TYPE_CODE, EVENT_TYPE_NAMES, type EventLoadRow } from '../db/events/row';
import type { ItemUpsert, UserUpsert } from '../db/repositories/ingest-entities';
import type { Binding } from './mappings/bind';
import type { EventMapping, IdRules, ItemMapping, UserMapping } from './mappings/types';
import { reject, Rejection } from './reasons';
import { compileTimeParser } from './time';

/** Column widths of the tables rows land in (owned by db/events/row.ts). */
export const LIMITS = COLUMN_LIMITS;

/** One validated event, before it gets its key: the events row (db/events/row.ts) and what rides along. */
export interface EventRow extends EventLoadRow {
  /** item title carried on the line (side upsert), truncated to fit */
  title: string | null;
  /** JSON object text of user attributes carried on the line (side upsert) */
  userAttributes: string | null;
}

/** A field array (CSV fields aligned to the header, or an NDJSON object projected by its binding). */
export type Fields = string[];

const INT = /^[+-]?\d+(?:\.0*)?$/;
const DEC = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const MAX_INT = 2147483647;
const MAX_PRICE = 1e10;

/** Trimmed field text, or null when empty or absent (index -1). */
function field(f: Fields, i: number): string | null {
  if (i < 0) return null;
  const v = f[i];
  if (v === undefined || v.length === 0) return null;
  const t = v.trim();
  return t.length === 0 ? null : t;
}

function idRule(rules: IdRules | undefined): (s: string) => string {
  if (!rules) return (s) => s;
  // Consecutive lines often repeat an id (one order, many lines): remember the last answer.
  let lastIn = '';
  let lastOut = '';
  return (s) => {
    if (s === lastIn) return lastOut;
    let v = s;
    if (rules.stripFloatSuffix && v.endsWith('0')) v = v.replace(/\.0+$/, '');
    if (rules.upperCase) v = v.toUpperCase();
    lastIn = s;
    lastOut = v;
    return v;
  };
}

/** A price column's value: null when empty, the decimal text when valid, else the rejection. */
function parsePrice(s: string | null): string | null | Rejection {
  if (s === null) return null;
  if (!DEC.test(s)) return reject('bad_price', `price "${s.slice(0, 40)}" is not a number`);
  const n = Number(s);
  if (n < 0) return reject('negative_price', `price ${s.slice(0, 40)}`);
  // DECIMAL(14,4) rounds to 4 places first: 9999999999.99995 becomes 10000000000.0000, out of range.
  if (Math.round(n * 1e4) >= MAX_PRICE * 1e4) return reject('bad_price', `price ${s.slice(0, 40)} is too large`);
  return s[0] === '+' ? s.slice(1) : s;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
/** MariaDB's JSON type refuses nesting deeper than this, which JSON.parse accepts. */
const MAX_JSON_DEPTH = 31;

/** Whether MariaDB's JSON type takes a parsed value: nesting within MAX_JSON_DEPTH, no lone surrogate (`"\ud800"`) in a key or string. */
function storableJson(v: unknown): boolean {
  const stack: [unknown, number][] = [[v, 1]];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const [x, depth] = top;
    if (typeof x === 'string') {
      if (LONE_SURROGATE.test(x)) return false;
    } else if (typeof x === 'object' && x !== null) {
      if (depth > MAX_JSON_DEPTH) return false;
      for (const [k, c] of Object.entries(x)) {
        if (LONE_SURROGATE.test(k)) return false;
        stack.push([c, depth + 1]);
      }
    }
  }
  return true;
}

function jsonObject(s: string, what: string): string | Rejection {
  if (s.length > LIMITS.attributes) return reject('field_too_long', `${what} is ${s.length} characters`);
  try {
    const v: unknown = JSON.parse(s);
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) {
      if (storableJson(v)) return s;
      return reject('bad_attributes', `${what} nests deeper than ${MAX_JSON_DEPTH} levels or holds a lone surrogate escape`);
    }
  } catch {
    // falls through to the rejection below
  }
  return reject('bad_attributes', `${what} must be a JSON object`);
}

const tooLong = (what: string, s: string, max: number): Rejection => reject('field_too_long', `${what} is ${s.length} characters (max ${max})`);

/** Compiles a mapping + binding into a per-row validator for events. */
export function compileEventValidator(m: EventMapping, b: Binding): (f: Fields) => EventRow | Rejection {
  const c = m.columns;
  const iUser = b.index(c.user);
  const iItem = b.index(c.item);
  const iType = b.index(c.eventType);
  const iTime = b.index(c.time);
  const iQty = b.index(c.quantity);
  const iPrice = b.index(c.price);
  const iQuery = b.index(c.query);
  const iDwell = b.index(c.dwell);
  const iSession = b.index(c.session);
  const iTitle = b.index(c.itemTitle);
  const attrs = Object.entries(m.userAttributes ?? {}).map(([name, col]) => [name, b.index(col)] as const);
  // Rejections with a fixed detail are shared (they are immutable): guest-checkout files reject many lines alike.
  const noUser = reject('missing_user', `no value in ${c.user}`);
  const noItem = reject('missing_item', `no value in ${c.item ?? 'item'}`);
  const attrValues: (string | null)[] = attrs.map(() => null);
  const lastAttrValues: (string | null)[] = attrs.map(() => null);
  let lastAttrs: string | null = null;
  const iNegate = m.negateQuantityWhen ? b.index(m.negateQuantityWhen.column) : -1;
  const negPrefix = m.negateQuantityWhen?.prefix ?? '';
  const userId = idRule(m.userId);
  const itemId = idRule(m.itemId);
  const time = compileTimeParser(m.time.format, m.time.zone);
  const fixedType = 'fixed' in m.eventType ? EVENT_TYPE_CODE[m.eventType.fixed] : 0;
  const typeMap = new Map<string, number>();
  if ('values' in m.eventType) for (const [k, v] of Object.entries(m.eventType.values)) typeMap.set(k.toLowerCase(), EVENT_TYPE_CODE[v]);

  const anonymous = m.anonymousFromSession?.prefix ?? null;
  return (f) => {
    let rawUser = field(f, iUser);
    if (rawUser === null && anonymous !== null) {
      // An anonymous session is its own visitor: its events stay together, apart from every other session's.
      const s = field(f, iSession);
      if (s !== null) rawUser = anonymous + s;
    }
    if (rawUser === null) return noUser;
    const user = userId(rawUser);
    if (user.length > LIMITS.id) return tooLong(c.user, user, LIMITS.id);

    let type = fixedType;
    if (type === 0) {
      const t = field(f, iType);
      type = t === null ? 0 : (typeMap.get(t.toLowerCase()) ?? 0);
      if (type === 0) return reject('unknown_event_type', t === null ? `no value in ${c.eventType ?? 'event type'}` : `"${t.slice(0, 40)}"`);
    }

    const rawItem = field(f, iItem);
    const item = rawItem === null ? null : itemId(rawItem);
    if (item !== null && item.length > LIMITS.id) return tooLong(c.item ?? 'item', item, LIMITS.id);
    const query = field(f, iQuery);
    if (query !== null && query.length > LIMITS.query) return tooLong(c.query ?? 'query', query, LIMITS.query);
    if (type === EVENT_TYPE_CODE.search) {
      if (query === null && item === null) return reject('missing_query', 'a search needs query text');
    } else if (item === null) {
      return noItem;
    }

    const rawTime = field(f, iTime);
    const ms = rawTime === null ? null : time(rawTime);
    if (ms === null) return reject('unparseable_time', rawTime === null ? `no value in ${c.time}` : `"${rawTime.slice(0, 40)}" is not ${m.time.format}`);

    let quantity: number | null = null;
    const rawQty = field(f, iQty);
    if (rawQty !== null) {
      if (!INT.test(rawQty)) return reject('bad_quantity', `quantity "${rawQty.slice(0, 40)}" is not a whole number`);
      quantity = parseInt(rawQty, 10);
      if (Math.abs(quantity) > MAX_INT) return reject('bad_quantity', `quantity ${rawQty.slice(0, 40)} is out of range`);
      if (iNegate >= 0 && (f[iNegate] ?? '').trimStart().startsWith(negPrefix)) quantity = -Math.abs(quantity);
      if (quantity === 0 && type >= EVENT_TYPE_CODE.cart) return reject('bad_quantity', 'quantity 0');
      if (quantity < 0 && type !== EVENT_TYPE_CODE.purchase) return reject('bad_quantity', `negative quantity on a ${EVENT_TYPE_NAMES[type - 1] ?? ''}`);
    }

    const price = parsePrice(field(f, iPrice));
    if (price instanceof Rejection) return price;

    let dwellMs: number | null = null;
    const rawDwell = field(f, iDwell);
    if (rawDwell !== null) {
      const d = Number(rawDwell);
      if (!DEC.test(rawDwell) || d < 0 || d > MAX_INT) return reject('bad_dwell', `dwell "${rawDwell.slice(0, 40)}" is not a non-negative number of ms`);
      dwellMs = Math.round(d);
    }

    const session = field(f, iSession);
    if (session !== null && session.length > LIMITS.id) return tooLong(c.session ?? 'session', session, LIMITS.id);

    const rawTitle = field(f, iTitle);
    let userAttributes: string | null = null;
    if (attrs.length > 0) {
      // The same values as the line before give the same text (the same string: the sink compares cheaply).
      let same = true;
      for (let k = 0; k < attrs.length; k++) {
        const v = field(f, (attrs[k] as (typeof attrs)[number])[1]);
        if (v !== lastAttrValues[k]) same = false;
        attrValues[k] = v;
      }
      if (same) {
        userAttributes = lastAttrs;
      } else {
        // Before the cache below is touched: such a value would make the users.attributes JSON unstorable.
        if (attrValues.some((v) => v !== null && v !== undefined && LONE_SURROGATE.test(v))) return reject('bad_attributes', 'a user attribute holds a lone surrogate');
        const o: Record<string, string> = {};
        let any = false;
        for (let k = 0; k < attrs.length; k++) {
          const v = attrValues[k];
          lastAttrValues[k] = v ?? null;
          if (v !== null && v !== undefined) {
            o[(attrs[k] as (typeof attrs)[number])[0]] = v;
            any = true;
          }
        }
        userAttributes = any ? JSON.stringify(o) : null;
        lastAttrs = userAttributes;
      }
    }

    return {
      userId: user,
      itemId: item,
      type,
      ms,
      quantity,
      price,
      dwellMs,
      query,
      sessionId: session,
      title: rawTitle === null ? null : rawTitle.slice(0, LIMITS.title),
      userAttributes,
    };
  };
}

const TRUE = new Set(['1', 'true', 't', 'yes', 'y', 'in stock', 'in_stock', 'instock', 'available']);
const FALSE = new Set(['0', 'false', 'f', 'no', 'n', 'out of stock', 'out_of_stock', 'outofstock', 'unavailable']);

/** Compiles a mapping + binding into a per-row validator for items. */
export function compileItemValidator(m: ItemMapping, b: Binding): (f: Fields) => ItemUpsert | Rejection {
  const c = m.columns;
  const [iItem, iTitle, iCat, iPrice, iStock, iAttr] = [c.item, c.title, c.category, c.price, c.inStock, c.attributes].map((x) => b.index(x)) as [number, number, number, number, number, number];
  const itemId = idRule(m.itemId);
  return (f) => {
    const raw = field(f, iItem);
    if (raw === null) return reject('missing_item', `no value in ${c.item}`);
    const id = itemId(raw);
    if (id.length > LIMITS.id) return tooLong(c.item, id, LIMITS.id);
    const title = field(f, iTitle);
    if (title !== null && title.length > LIMITS.title) return tooLong(c.title ?? 'title', title, LIMITS.title);
    const category = field(f, iCat);
    if (category !== null && category.length > LIMITS.category) return tooLong(c.category ?? 'category', category, LIMITS.category);
    const price = parsePrice(field(f, iPrice));
    if (price instanceof Rejection) return price;
    let inStock = true;
    const s = field(f, iStock);
    if (s !== null) {
      const l = s.toLowerCase();
      if (TRUE.has(l)) inStock = true;
      else if (FALSE.has(l)) inStock = false;
      else return reject('bad_in_stock', `"${s.slice(0, 40)}" is not a yes/no value`);
    }
    let attributes: string | null = null;
    const a = field(f, iAttr);
    if (a !== null) {
      const j = jsonObject(a, c.attributes ?? 'attributes');
      if (typeof j !== 'string') return j;
      attributes = j;
    }
    return { itemId: id, title, category, price, inStock, attributes };
  };
}

/** Compiles a mapping + binding into a per-row validator for users. */
export function compileUserValidator(m: UserMapping, b: Binding): (f: Fields) => UserUpsert | Rejection {
  const iUser = b.index(m.columns.user);
  const iAttr = b.index(m.columns.attributes);
  const userId = idRule(m.userId);
  return (f) => {
    const raw = field(f, iUser);
    if (raw === null) return reject('missing_user', `no value in ${m.columns.user}`);
    const id = userId(raw);
    if (id.length > LIMITS.id) return tooLong(m.columns.user, id, LIMITS.id);
    let attributes: string | null = null;
    const a = field(f, iAttr);
    if (a !== null) {
      const j = jsonObject(a, m.columns.attributes ?? 'attributes');
      if (typeof j !== 'string') return j;
      attributes = j;
    }
    return { userId: id, attributes };
  };
}

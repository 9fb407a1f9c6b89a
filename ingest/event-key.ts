import type { KeyHalves } from '../db/events/load';
import type { EventRow } from './validate';

/**
 * Event keys: a 64-bit content hash computed in JavaScript straight over an event's fields (no canonical string,
 * no MD5 digest to print and parse), laid out so that keys of events close in time sit close together:
 *
 *   event_key = (UTC day mod 1024) << 54 | 54 bits of hash
 *
 * events arrive roughly in time order, so each chunk inserts into a narrow, hot range of the primary key
 * instead of all over it (random primary-key inserts cost InnoDB page splits, and once the table outgrows the
 * buffer pool, a read per row). The day wraps every 2.8 years, which keeps 54 hash bits: for a year of data
 * the chance of two distinct events sharing a key is about 2.8 times that of a full 64-bit hash
 * (n²/2⁶⁵ for n events), e.g. 8e-6 for 10 million events.
 *
 * The hash is two 32-bit MurmurHash3-style lanes with different constants, cross-mixed in the finalisation as in
 * MurmurHash3_x86_128, fed field by field: strings as UTF-16 code units (two per word) followed by their length, numbers as words,
 * NULL as a marker no length can equal. Deterministic across runs and platforms.
 */

// Lane steps as pure functions of (lane, word): V8 inlines them and keeps both lanes in registers.
function lane1(h: number, k: number): number {
  k = Math.imul(k, 0x239b961b);
  k = (k << 15) | (k >>> 17);
  h ^= Math.imul(k, 0xab0e9789);
  h = (h << 19) | (h >>> 13);
  return (Math.imul(h, 5) + 0x561ccd1b) | 0;
}

function lane2(h: number, k: number): number {
  k = Math.imul(k, 0x38b34ae5);
  k = (k << 16) | (k >>> 16);
  h ^= Math.imul(k, 0xa1e38b93);
  h = (h << 17) | (h >>> 15);
  return (Math.imul(h, 5) + 0x0bcaa747) | 0;
}

const NULL_WORD = 0xffffffff;

/** Both lanes after absorbing one string field (or NULL): code units two per word, then the length. */
function strLanes(s: string | null, a: number, b: number, out: Int32Array): void {
  if (s === null) {
    out[0] = lane1(a, NULL_WORD);
    out[1] = lane2(b, NULL_WORD);
    return;
  }
  const n = s.length;
  let i = 0;
  for (; i + 1 < n; i += 2) {
    const k = s.charCodeAt(i) | (s.charCodeAt(i + 1) << 16);
    a = lane1(a, k);
    b = lane2(b, k);
  }
  if (i < n) {
    const k = s.charCodeAt(i);
    a = lane1(a, k);
    b = lane2(b, k);
  }
  out[0] = lane1(a, n);
  out[1] = lane2(b, n);
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

const DAY_MS = 86400000;

/**
 * Writes the key of `r` into `out`: its content (every stored field except its batch: ids, type, instant,
 * quantity, price, dwell, query and session) and, for the n-th repeat (n ≥ 1) of identical content within a
 * (user, instant) run, its occurrence number. Returns `out`.
 */
export function keyInto(r: EventRow, occurrence: number, out: KeyHalves): KeyHalves {
  const st = LANES;
  strLanes(r.userId, 0x9747b28c, 0x5bd1e995, st);
  strLanes(r.itemId, st[0]!, st[1]!, st);
  let a = st[0]!;
  let b = st[1]!;
  const hiMs = (r.ms / 4294967296) | 0;
  const loMs = r.ms | 0;
  a = lane1(lane1(lane1(a, r.type), hiMs), loMs);
  b = lane2(lane2(lane2(b, r.type), hiMs), loMs);
  const q = r.quantity;
  if (q === null) {
    a = lane1(a, NULL_WORD);
    b = lane2(b, NULL_WORD);
  } else {
    a = lane1(lane1(a, 1), q | 0);
    b = lane2(lane2(b, 1), q | 0);
  }
  strLanes(r.price, a, b, st);
  a = st[0]!;
  b = st[1]!;
  const d = r.dwellMs;
  if (d === null) {
    a = lane1(a, NULL_WORD);
    b = lane2(b, NULL_WORD);
  } else {
    a = lane1(lane1(a, 1), d | 0);
    b = lane2(lane2(b, 1), d | 0);
  }
  strLanes(r.query, a, b, st);
  strLanes(r.sessionId, st[0]!, st[1]!, st);
  a = st[0]!;
  b = st[1]!;
  if (occurrence > 0) {
    a = lane1(lane1(a, 0x1e1e1e1e), occurrence);
    b = lane2(lane2(b, 0x1e1e1e1e), occurrence);
  }
  // Finalisation as in MurmurHash3_x86_128: cross-add the lanes around fmix32 so each output bit depends on both.
  a = (a + b) | 0;
  b = (b + a) | 0;
  a = fmix(a);
  b = fmix(b);
  a = (a + b) | 0;
  b = (b + a) | 0;
  const day = Math.floor(r.ms / DAY_MS) & 1023;
  out.high = ((day << 22) | (a >>> 10)) >>> 0;
  out.low = b >>> 0;
  return out;
}

const LANES = new Int32Array(2);

/** 53 bits of a key's hash part: tells apart the contents of rows within one (user, instant) run. */
export const contentId = (k: KeyHalves): number => (k.high & 0x3fffff) * 2147483648 + (k.low >>> 1);

/** event_key as decimal text. */
export function eventKey(r: EventRow, occurrence = 0): string {
  const k = keyInto(r, occurrence, { high: 0, low: 0 });
  return ((BigInt(k.high) << 32n) | BigInt(k.low)).toString();
}

/**
 * Numbers repeats of identical events. Identical events share user and instant, so the count only has to
 * live for a run of consecutive lines with the same (user, instant): memory stays bounded by the longest
 * such run, and a chunk that ends at a run boundary can be resumed with an empty counter. Rows are told apart
 * by 53 bits of their content hash (a clash inside one run would only renumber, deterministically).
 */
export class OccurrenceCounter {
  private user = '';
  private ms = Number.NaN;
  private first = -1;
  private seen: Map<number, number> | null = null;

  /** True when this row starts a new (user, instant) run. */
  startsRun(r: EventRow): boolean {
    return r.ms !== this.ms || r.userId !== this.user;
  }

  /** The row's occurrence number among identical rows of its run (0 for the first); `h` identifies its content. */
  next(r: EventRow, h: number): number {
    if (this.startsRun(r)) {
      this.user = r.userId;
      this.ms = r.ms;
      this.first = h;
      this.seen = null;
      return 0;
    }
    if (this.seen === null) this.seen = new Map([[this.first, 1]]);
    const n = this.seen.get(h) ?? 0;
    this.seen.set(h, n + 1);
    return n;
  }
}

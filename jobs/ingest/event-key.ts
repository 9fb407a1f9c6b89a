import { hash } from 'node:crypto';
import type { EventRow } from './validate';

const SEP = '\x1f';

/**
 * The canonical text of an event's content: every stored field except its batch. Two lines that are the same
 * event produce the same text; ids, type, instant (epoch ms), quantity, price, dwell, query and session all count.
 */
export function eventContent(r: EventRow): string {
  return (
    r.userId + SEP + (r.itemId ?? '') + SEP + r.type + SEP + r.ms + SEP + (r.quantity ?? '') + SEP +
    (r.price ?? '') + SEP + (r.dwellMs ?? '') + SEP + (r.query ?? '') + SEP + (r.sessionId ?? '')
  );
}

/** An event key as two unsigned 32-bit halves (event_key = high * 2^32 + low). */
export interface KeyHalves {
  high: number;
  low: number;
}

/** MD5 hex of a content string, with the occurrence suffix for repeats (n ≥ 1). */
export function contentHash(content: string, occurrence: number): string {
  return hash('md5', occurrence === 0 ? content : `${content}\x1e${occurrence}`, 'hex');
}

/** The two 32-bit halves of the first 64 bits of an MD5 hex digest. */
export function halves(hex: string): KeyHalves {
  return { high: parseInt(hex.slice(0, 8), 16), low: parseInt(hex.slice(8, 16), 16) };
}

/**
 * event_key as decimal text: the first 64 bits of MD5(content), where the n-th repeat (n ≥ 1) of identical
 * content within a (user, instant) run hashes `content + "\x1e" + n`. Reproducible in SQL:
 * CONV(LEFT(MD5(content), 16), 16, 10).
 */
export function eventKey(content: string, occurrence: number): string {
  return BigInt(`0x${contentHash(content, occurrence).slice(0, 16)}`).toString();
}

/**
 * Numbers repeats of identical events. Identical events share user and instant, so the count only has to
 * live for a run of consecutive lines with the same (user, instant): memory stays bounded by the longest
 * such run, and a chunk that ends at a run boundary can be resumed with an empty counter. Rows are told apart
 * by 52 bits of their content hash (a clash inside one run would only renumber, deterministically).
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

/** LOAD DATA text escaping: backslash, TAB and newlines would otherwise split fields or lines. */
function esc(s: string): string {
  if (!/[\\\t\n\r]/.test(s)) return s;
  return s.replace(/[\\\t\n\r]/g, (c) => (c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r'));
}

const N = '\\N';

/** One line for loadEventLines (column order of EVENT_LOAD_COLUMNS). `timeText` is sqlTime(r.ms), passed so callers can cache it. */
export function eventLine(k: KeyHalves, r: EventRow, batchId: number, timeText: string): string {
  return (
    k.high + '\t' + k.low + '\t' + esc(r.userId) + '\t' + (r.itemId === null ? N : esc(r.itemId)) + '\t' + r.type + '\t' + timeText + '\t' +
    (r.quantity ?? N) + '\t' + (r.price ?? N) + '\t' + (r.dwellMs ?? N) + '\t' + (r.query === null ? N : esc(r.query)) + '\t' +
    (r.sessionId === null ? N : esc(r.sessionId)) + '\t' + batchId + '\n'
  );
}

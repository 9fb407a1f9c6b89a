import { IngestInputError } from './errors';

/** Parses one time field to epoch ms (UTC), or null when it cannot be read. */
export type TimeParser = (s: string) => number | null;

const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);

const ISO = /^(\d{4})-(\d{1,2})-(\d{1,2})(?:[T ](\d{1,2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;
const EPOCH = /^\d{9,13}(?:\.\d+)?$/;

/** Epoch ms of wall-clock fields read as UTC, or null when a field is out of range (Feb 30, 25:00, …). */
function wallMs(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number | null {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return null;
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  if (new Date(t).getUTCDate() !== d) return null;
  return t;
}

const frac = (f: string | undefined): number => (f ? Math.floor(Number(`0.${f}`) * 1000) : 0);

function offsetMs(z: string): number {
  if (z === 'Z' || z === 'z') return 0;
  const sign = z[0] === '-' ? -1 : 1;
  const digits = z.slice(1).replace(':', '');
  return sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4) || '0')) * 60000;
}

/** Converts wall-clock ms in an IANA zone to UTC ms; offsets cached per 15-minute slot. */
export function zoneConverter(zone: string): (wall: number) => number {
  if (zone === 'UTC' || zone === 'Etc/UTC' || zone === 'Z') return (w) => w;
  let dtf: Intl.DateTimeFormat;
  try {
    dtf = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
  } catch {
    throw new IngestInputError(`unknown time zone "${zone}"`);
  }
  const offsetAt = (utc: number): number => {
    const p: Record<string, number> = {};
    for (const part of dtf.formatToParts(new Date(utc))) if (part.type !== 'literal') p[part.type] = Number(part.value);
    const asUtc = Date.UTC(p.year ?? 1970, (p.month ?? 1) - 1, p.day ?? 1, p.hour ?? 0, p.minute ?? 0, p.second ?? 0);
    return asUtc - Math.floor(utc / 1000) * 1000;
  };
  // Offsets change at most a few times a year: cache per local day when the day has no transition, else per 15 minutes.
  // A day has none when its start and the next day's start have the same offset (each start computed once).
  const starts = new Map<number, number>();
  const days = new Map<number, number | null>();
  const slots = new Map<number, number>();
  const exact = (wall: number): number => {
    const o1 = offsetAt(wall);
    return offsetAt(wall - o1);
  };
  const startOffset = (day: number): number => {
    let o = starts.get(day);
    if (o === undefined) {
      o = exact(day * 86400000);
      if (starts.size > 100000) starts.clear();
      starts.set(day, o);
    }
    return o;
  };
  return (wall) => {
    const day = Math.floor(wall / 86400000);
    let off = days.get(day);
    if (off === undefined) {
      const a = startOffset(day);
      off = a === startOffset(day + 1) ? a : null;
      if (days.size > 100000) days.clear();
      days.set(day, off);
    }
    if (off !== null) return wall - off;
    const slot = Math.floor(wall / 900000);
    let so = slots.get(slot);
    if (so === undefined) {
      so = exact(wall);
      if (slots.size > 100000) slots.clear();
      slots.set(slot, so);
    }
    return wall - so;
  };
}

const TOKENS: [string, string][] = [
  ['YYYY', '(\\d{4})'],
  ['SSS', '(\\d{1,3})'],
  ['MM', '(\\d{2})'],
  ['DD', '(\\d{2})'],
  ['HH', '(\\d{2})'],
  ['mm', '(\\d{2})'],
  ['ss', '(\\d{2})'],
  ['M', '(\\d{1,2})'],
  ['D', '(\\d{1,2})'],
  ['H', '(\\d{1,2})'],
];

function patternParser(pattern: string, toUtc: (w: number) => number): TimeParser {
  let re = '^';
  const order: string[] = [];
  for (let i = 0; i < pattern.length; ) {
    const tok = TOKENS.find(([t]) => pattern.startsWith(t, i));
    if (tok) {
      re += tok[1];
      order.push(tok[0]);
      i += tok[0].length;
    } else {
      re += (pattern[i] as string).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      i++;
    }
  }
  if (!order.includes('YYYY') || !(order.includes('MM') || order.includes('M')) || !(order.includes('DD') || order.includes('D'))) {
    throw new IngestInputError(`time format "${pattern}" needs YYYY, M(M) and D(D)`);
  }
  const rx = new RegExp(`${re}$`);
  return (s) => {
    const m = rx.exec(s);
    if (!m) return null;
    const v: Record<string, number> = {};
    order.forEach((t, i) => (v[t] = Number(m[i + 1])));
    const w = wallMs(v.YYYY ?? 0, v.MM ?? v.M ?? 0, v.DD ?? v.D ?? 0, v.HH ?? v.H ?? 0, v.mm ?? 0, v.ss ?? 0, v.SSS ?? 0);
    return w === null ? null : toUtc(w);
  };
}

/** Builds the parser for a mapping's time format and zone (zone applies where the text carries no offset). */
export function compileTimeParser(format: string, zone: string): TimeParser {
  const toUtc = zoneConverter(zone);
  const iso: TimeParser = (s) => {
    const m = ISO.exec(s);
    if (!m) return null;
    const w = wallMs(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), frac(m[7]));
    if (w === null) return null;
    return m[8] ? w - offsetMs(m[8]) : toUtc(w);
  };
  const epoch = (scale: number): TimeParser => (s) => (/^\d+(?:\.\d+)?$/.test(s) ? Math.round(Number(s) * scale) : null);
  let parse: TimeParser;
  switch (format) {
    case 'iso':
      parse = iso;
      break;
    case 'auto':
      // Digits only: seconds below 1e11 (until year 5138), milliseconds above.
      parse = (s) => (EPOCH.test(s) ? Math.round(Number(s) < 1e11 ? Number(s) * 1000 : Number(s)) : iso(s));
      break;
    case 'epoch_ms':
      parse = epoch(1);
      break;
    case 'epoch_s':
      parse = epoch(1000);
      break;
    default:
      parse = patternParser(format, toUtc);
  }
  let last = '';
  let lastMs: number | null = null;
  // Event files repeat the same timestamp on consecutive lines (one order, many lines): remember the last one.
  return (s) => {
    if (s === last) return lastMs;
    const ms = parse(s);
    last = s;
    lastMs = ms === null || !(ms >= MIN_MS && ms < MAX_MS) ? null : ms;
    return lastMs;
  };
}

const PAD2 = Array.from({ length: 60 }, (_, i) => String(i).padStart(2, '0'));
const PAD3 = Array.from({ length: 1000 }, (_, i) => String(i).padStart(3, '0'));
let cachedDay = Number.NaN;
let cachedDate = '';

/** `YYYY-MM-DD HH:MM:SS.mmm` (UTC) for MySQL DATETIME(3). The date part is cached: events arrive day by day. */
export function sqlTime(ms: number): string {
  const day = Math.floor(ms / 86400000);
  if (day !== cachedDay) {
    cachedDay = day;
    cachedDate = new Date(day * 86400000).toISOString().slice(0, 10);
  }
  let t = ms - day * 86400000;
  const h = Math.floor(t / 3600000);
  t -= h * 3600000;
  const m = Math.floor(t / 60000);
  t -= m * 60000;
  const sec = Math.floor(t / 1000);
  return `${cachedDate} ${PAD2[h] as string}:${PAD2[m] as string}:${PAD2[sec] as string}.${PAD3[t - sec * 1000] as string}`;
}

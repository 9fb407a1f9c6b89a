import fc from 'fast-check';
import { COMMON_EVENT_TYPES } from '../../../ingest/mappings/presets';

/**
 * Generated ingest files: CSV or NDJSON with headers that fit (mostly) or not, rows mixing plausible and
 * hostile values (quotes, delimiters, CR/LF, BOMs, invalid UTF-8, latin-1, NUL, huge numbers, deep JSON),
 * optionally gzipped whole, truncated, or as random bytes after a gzip magic. Pure data: the case is written
 * to disk by `writeCaseFile` and judged by `judgeParse` (ingest-judge.ts).
 */

export type Entity = 'events' | 'items' | 'users';
export type GzipMode = 'none' | 'full' | 'truncated' | 'garbage' | 'trailing';

export interface IngestFileCase {
  entity: Entity;
  /** a preset name or a shop's own mapping object */
  mapping: string | Record<string, unknown>;
  format?: 'csv' | 'ndjson';
  delimiter?: string;
  /** file name extension (drives format detection when `format` is absent) */
  ext: string;
  /** the uncompressed bytes */
  body: Uint8Array;
  gzip: GzipMode;
  /** where a truncated gzip is cut, as a share of its length */
  cut: number;
}

type Kind = 'id' | 'etype' | 'time' | 'int' | 'dec' | 'text' | 'bool' | 'json';
interface Column {
  name: string;
  kind: Kind;
}

const GENERIC: Record<Entity, { required: Column[]; optional: Column[] }> = {
  events: {
    required: [
      { name: 'user_id', kind: 'id' },
      { name: 'item_id', kind: 'id' },
      { name: 'event_type', kind: 'etype' },
      { name: 'ts', kind: 'time' },
    ],
    optional: [
      { name: 'quantity', kind: 'int' },
      { name: 'price', kind: 'dec' },
      { name: 'query', kind: 'text' },
      { name: 'dwell_ms', kind: 'int' },
      { name: 'session_id', kind: 'id' },
    ],
  },
  items: {
    required: [{ name: 'item_id', kind: 'id' }],
    optional: [
      { name: 'title', kind: 'text' },
      { name: 'category', kind: 'text' },
      { name: 'price', kind: 'dec' },
      { name: 'in_stock', kind: 'bool' },
      { name: 'attributes', kind: 'json' },
    ],
  },
  users: { required: [{ name: 'user_id', kind: 'id' }], optional: [{ name: 'attributes', kind: 'json' }] },
};

const utf8 = (s: string): Buffer => Buffer.from(s, 'utf8');

/** Strings that break naive number, time, id and JSON handling. */
export const HOSTILE_STRINGS: readonly string[] = [
  '', ' ', 'NaN', 'Infinity', '-Infinity', '1e400', '-1e400', '1e-400', '1e308', '0x1F', '1_000', '99999999999999999999999',
  '-0', '+5', '.5', '5.', '1e3', '9999999999.99999', '9999999999.9999', '2147483647', '2147483648', '-2147483648', '-2147483649',
  ' 7 ', '٣', '１２', '0', '-1', 'null', 'undefined', 'true', '[]', '{}', '{"a":1}', '2024-02-30T00:00:00Z', '2024-03-01T25:00:00Z',
  '2100-01-01T00:00:00Z', '1969-12-31T23:59:59Z', '0000-01-01', '9999-12-31T23:59:59.999999999Z', '99999999999999', '1709294400',
  '1709294400000', '1709294400.5', '2024-03-01T10:00:00+99:99', '2024-03-01 10:00:00', '3/1/2024 10:00', 'Ω', '💥', 'e\u0301',
  '\u202eRTL', '\u0000', 'a\u0000b', '\\N', '\\', '\t', 'x'.repeat(65), 'y'.repeat(256), 'z'.repeat(513), '"', '""', 'a"b', '"a"b',
  '\u2028', '\ufeff', '\ud800', 'VIEW', 'Purchase', '__proto__', 'constructor', 'toString', 'hasOwnProperty',
];

/** JSON object texts that JavaScript accepts but a database or a naive merge may not. */
export const HOSTILE_JSON_OBJECTS: readonly string[] = [
  '{}',
  '{"a":1,"a":2}',
  '{"__proto__":{"polluted":1}}',
  '{"constructor":{"prototype":{"polluted":1}}}',
  '{"\\ud800":1}',
  '{"a":"\\ud800"}',
  '{"a":1e400}',
  '{"a":-0}',
  '{"a":123456789012345678901234567890}',
  '{"a":"\\u0000"}',
  '{"":""}',
  `{"deep":${'['.repeat(40)}${']'.repeat(40)}}`,
  `{"deep":${'{"a":'.repeat(33)}1${'}'.repeat(33)}}`,
  `{"deep":${'['.repeat(1000)}${']'.repeat(1000)}}`,
];

/** Byte strings that are not valid UTF-8, or are latin-1 where UTF-8 is expected. */
const HOSTILE_BYTES: readonly Buffer[] = [
  Buffer.from('café', 'latin1'),
  Buffer.from('Müller', 'latin1'),
  Buffer.from('naïve ½', 'latin1'),
  Buffer.from([0xc0, 0xaf]),
  Buffer.from([0xed, 0xa0, 0x80]),
  Buffer.from([0xe2, 0x82]),
  Buffer.from([0xff, 0xfe]),
  Buffer.from([0x00]),
  Buffer.from([0x1f, 0x8b, 0x08]),
  Buffer.concat([utf8('mixed é '), Buffer.from('é', 'latin1')]),
];

const shortText = fc.oneof(
  { weight: 3, arbitrary: fc.string({ unit: 'grapheme-ascii', minLength: 1, maxLength: 10 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 6 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 6 }) },
);

const validTime = fc
  .tuple(fc.integer({ min: Date.UTC(1971, 0, 1), max: Date.UTC(2099, 0, 1) }), fc.integer({ min: 0, max: 4 }))
  .map(([ms, style]) => {
    const iso = new Date(ms).toISOString();
    switch (style) {
      case 0:
        return iso;
      case 1:
        return String(Math.floor(ms / 1000));
      case 2:
        return String(ms);
      case 3:
        return iso.replace('T', ' ').replace('Z', '');
      default:
        return `${iso.slice(0, 19)}+02:00`;
    }
  });

/** Builds each kind's arbitrary once: constructing them per case costs more than drawing from them. */
function memo<T>(build: (k: Kind) => fc.Arbitrary<T>): (k: Kind) => fc.Arbitrary<T> {
  const cache = new Map<Kind, fc.Arbitrary<T>>();
  return (k) => {
    let a = cache.get(k);
    if (a === undefined) cache.set(k, (a = build(k)));
    return a;
  };
}

/** A plausible value for a column of this kind (most rows should pass validation). */
const plausible = memo(plausibleOf);
function plausibleOf(kind: Kind): fc.Arbitrary<string> {
  switch (kind) {
    case 'id':
      return fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[a-z0-9]{1,8}$/) }, { weight: 1, arbitrary: shortText }, { weight: 1, arbitrary: fc.constantFrom('17850.0', 'u1', 'U1', 'ünï', '用户1', '👤') });
    case 'etype':
      return fc.constantFrom(...Object.keys(COMMON_EVENT_TYPES), 'VIEW', 'Purchase', 'Add_To_Cart');
    case 'time':
      return validTime;
    case 'int':
      return fc.integer({ min: -3, max: 5000 }).map(String);
    case 'dec':
      return fc.double({ min: 0, max: 10000, noNaN: true }).map((x) => x.toFixed(2));
    case 'text':
      return fc.string({ unit: 'grapheme', maxLength: 20 });
    case 'bool':
      return fc.constantFrom('yes', 'no', '1', '0', 'true', 'FALSE', 'In Stock', 'unavailable');
    case 'json':
      return fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(typeof v === 'object' && v !== null && !Array.isArray(v) ? v : { v }));
  }
}

/** One field's bytes: plausible most of the time, else hostile text, invalid bytes, random bytes or a long run. */
const fieldBytes = memo(fieldBytesOf);
function fieldBytesOf(kind: Kind): fc.Arbitrary<Buffer> {
  return fc.oneof(
    { weight: 14, arbitrary: plausible(kind).map(utf8) },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map(utf8) },
    { weight: kind === 'json' ? 3 : 0, arbitrary: fc.constantFrom(...HOSTILE_JSON_OBJECTS).map(utf8) },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_BYTES) },
    { weight: 1, arbitrary: fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a)) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary-ascii', maxLength: 8 }).map(utf8) },
    { weight: 1, arbitrary: fc.integer({ min: 60, max: 70000 }).map((n) => utf8('q'.repeat(n))) },
    { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 20, max: 5000 }), fc.constantFrom('-0', '0.0', '1', '')).map(([n, head]) => utf8(`${head}${(head === '1' ? '1' : '0').repeat(n)}1`)) },
  );
}

const DELIMS = [',', ';', '\t', '|'] as const;

function csvField(b: Buffer, delim: string, mode: number): Buffer {
  const needs = b.includes(delim.charCodeAt(0)) || b.includes(0x22) || b.includes(0x0a) || b.includes(0x0d);
  // mode 0-16: quote when needed (valid CSV); 17-18: always; 19: never (a hostile, unescaped field)
  if (mode === 19 || (mode <= 16 && !needs)) return b;
  const parts: Buffer[] = [Buffer.from('"')];
  let start = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x22) {
      parts.push(b.subarray(start, i + 1), Buffer.from('"'));
      start = i + 1;
    }
  }
  parts.push(b.subarray(start), Buffer.from('"'));
  return Buffer.concat(parts);
}

interface Layout {
  entity: Entity;
  mapping: string | Record<string, unknown>;
  columns: Column[];
}

const mixedCase = (name: string, mask: number): string =>
  [...name].map((c, i) => ((mask >> i % 16) & 1 ? c.toUpperCase() : c)).join('');

/** A generic preset layout: its required columns plus some optional ones, in any order. */
const genericLayout: fc.Arbitrary<Layout> = fc
  .tuple(fc.constantFrom<Entity>('events', 'events', 'events', 'items', 'users'), fc.integer({ min: 0, max: 0xffff }), fc.integer({ min: 0, max: 0xffff }))
  .chain(([entity, caseMask, optMask]) => {
    const g = GENERIC[entity];
    const cols = [...g.required, ...g.optional.filter((_, i) => (optMask >> i) & 1)];
    return fc.shuffledSubarray(cols, { minLength: cols.length, maxLength: cols.length }).map((order) => ({
      entity,
      mapping: 'generic',
      columns: order.map((c) => ({ name: caseMask % 3 === 0 ? mixedCase(c.name, caseMask) : c.name, kind: c.kind })),
    }));
  });

const CUSTOM_NAMES = ['Kunde', '用户', 'when', 'Artikel', 'qty', 'Preis', 'kind', 'sess', 'ü-col', 'col with space', 'x.y', 'A'];

/** A shop's own events mapping (names, time format and zone drawn), with the matching columns. */
const customLayout: fc.Arbitrary<Layout> = fc
  .record({
    names: fc.shuffledSubarray(CUSTOM_NAMES, { minLength: 6, maxLength: 6 }),
    fixed: fc.boolean(),
    format: fc.constantFrom('auto', 'iso', 'epoch_ms', 'epoch_s', 'YYYY-MM-DD HH:mm:ss', 'M/D/YYYY H:mm', 'DD.MM.YYYY', 'no-tokens'),
    zone: fc.constantFrom('UTC', 'Europe/London', 'America/New_York', 'Asia/Kolkata', 'Not/AZone'),
    strip: fc.boolean(),
  })
  .map(({ names, fixed, format, zone, strip }) => {
    const [user, time, item, qty, type, attr] = names as [string, string, string, string, string, string];
    const columns: Column[] = [
      { name: user, kind: 'id' },
      { name: time, kind: 'time' },
      { name: item, kind: 'id' },
      { name: qty, kind: 'int' },
      { name: attr, kind: 'text' },
    ];
    if (!fixed) columns.push({ name: type, kind: 'etype' });
    const mapping = {
      name: 'fuzz-custom',
      entity: 'events',
      columns: { user, time, item, quantity: qty, ...(fixed ? {} : { eventType: type }) },
      eventType: fixed ? { fixed: 'purchase' } : { values: { view: 'view', buy: 'purchase', '2': 'view', kaufen: 'purchase' } },
      time: { format, zone },
      userAttributes: { country: attr },
      ...(strip ? { userId: { stripFloatSuffix: true, upperCase: true } } : {}),
      optionalColumns: [qty],
    };
    return { entity: 'events', mapping, columns };
  });

/** Mappings that cannot work: unknown presets, presets of another entity. */
const brokenLayout: fc.Arbitrary<Layout> = fc
  .tuple(fc.constantFrom('nope', 'uci-online-retail', '../generic', 'GENERIC', ''), fc.constantFrom<Entity>('events', 'items', 'users'))
  .map(([mapping, entity]) => ({ entity, mapping, columns: [...GENERIC[entity].required] }));

const layout = fc.oneof({ weight: 12, arbitrary: genericLayout }, { weight: 3, arbitrary: customLayout }, { weight: 1, arbitrary: brokenLayout });

/** Header names as written: the layout's (maybe padded), or with a column added, doubled, emptied or dropped. */
function headerNames(cols: Column[]): fc.Arbitrary<string[]> {
  const names = cols.map((c) => c.name);
  return fc.oneof(
    { weight: 16, arbitrary: fc.constant(names) },
    { weight: 1, arbitrary: fc.constant(names.map((n) => ` ${n} `)) },
    { weight: 1, arbitrary: fc.constant<string[]>([...names, 'extra']) },
    { weight: 1, arbitrary: fc.constant<string[]>([...names, names[0] ?? 'x']) },
    { weight: 1, arbitrary: fc.constant<string[]>([...names, '']) },
    { weight: 1, arbitrary: fc.constant(names.slice(1)) },
    { weight: 1, arbitrary: fc.array(shortText, { maxLength: 6 }) },
  );
}

const lineEnd = fc.constantFrom('\n', '\n', '\n', '\r\n', '\r\n', '\r', 'mixed');

function joinLines(lines: Buffer[], eol: string, finalEol: boolean, bom: number): Buffer {
  const parts: Buffer[] = [];
  if (bom > 0) parts.push(Buffer.from(bom === 2 ? '\ufeff\ufeff' : '\ufeff'));
  lines.forEach((l, i) => {
    parts.push(l);
    if (i < lines.length - 1 || finalEol) parts.push(Buffer.from(eol === 'mixed' ? (i % 2 ? '\r\n' : '\n') : eol));
  });
  return Buffer.concat(parts);
}

/** Whole-line hostility: blank, whitespace, garbage bytes, a lone quote, delimiters only. */
const oddLine = fc.oneof(
  fc.constant(Buffer.alloc(0)),
  fc.constantFrom('   ', '\t', '"', '""', ',,,,', ';;', '"unclosed,field', '\u0000\u0000', '\ufeff').map(utf8),
  fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)),
);

interface Body {
  body: Buffer;
  format: 'csv' | 'ndjson';
}

function csvBody(l: Layout): fc.Arbitrary<Body> {
  return fc
    .record({
      delim: fc.constantFrom(...DELIMS),
      header: headerNames(l.columns),
      rows: fc.array(
        fc.oneof(
          { weight: 6, arbitrary: fc.tuple<Buffer[]>(...l.columns.map((c) => plausible(c.kind).map(utf8))) },
          { weight: 6, arbitrary: fc.tuple<Buffer[]>(...l.columns.map((c) => fieldBytes(c.kind))) },
          { weight: 1, arbitrary: fc.array(fieldBytes('text'), { maxLength: l.columns.length + 2 }) },
        ),
        { maxLength: 25 },
      ),
      quoting: fc.array(fc.integer({ min: 0, max: 19 }), { minLength: 64, maxLength: 64 }),
      odd: fc.array(fc.tuple(fc.nat(30), oddLine), { maxLength: 3 }),
      eol: lineEnd,
      finalEol: fc.boolean(),
      bom: fc.constantFrom(0, 0, 0, 1, 2),
    })
    .map(({ delim, header, rows, quoting, odd, eol, finalEol, bom }) => {
      const q = (i: number): number => quoting[i % quoting.length] as number;
      const lines: Buffer[] = [Buffer.from(header.map((h, i) => csvField(utf8(h), delim, q(i)).toString('latin1')).join(delim), 'latin1')];
      rows.forEach((fields, r) => {
        const cells = fields.map((f, i) => csvField(f, delim, q(r * 7 + i)));
        lines.push(Buffer.concat(cells.flatMap((c, i) => (i === 0 ? [c] : [Buffer.from(delim), c]))));
      });
      for (const [at, line] of odd) lines.splice(Math.min(at, lines.length), 0, line);
      return { body: joinLines(lines, eol, finalEol, bom), format: 'csv' as const, delimiter: delim };
    });
}

/** A JSON value's text for a column: plausible (as a JSON string or number), or hostile JSON. */
const jsonFragment = memo(jsonFragmentOf);
function jsonFragmentOf(kind: Kind): fc.Arbitrary<string> {
  const deep = fc.constantFrom(50, 1000, 10000, 100000).chain((d) => fc.constantFrom(`${'['.repeat(d)}${']'.repeat(d)}`, `${'{"a":'.repeat(d)}1${'}'.repeat(d)}`));
  return fc.oneof(
    { weight: 10, arbitrary: plausible(kind).map((s) => (kind === 'int' || kind === 'json' || (kind === 'time' && /^\d+$/.test(s)) ? s : JSON.stringify(s))) },
    { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_STRINGS).map((s) => JSON.stringify(s)) },
    {
      weight: 3,
      arbitrary: fc.constantFrom('1e400', '-1e400', '123456789012345678901234567890', '-0', '0.1e-999', 'true', 'null', '[]', '[1,"a"]', '{}', '{"x":{"y":1}}', '"\\u0000"', '"\\ud800"', '"\\uDFFF\\uD800"', '""', '" "', '1.5', '-7'),
    },
    { weight: 1, arbitrary: deep },
    { weight: 1, arbitrary: fc.constantFrom(...HOSTILE_JSON_OBJECTS) },
    { weight: 1, arbitrary: fc.constantFrom('NaN', '"unterminated', '1.', '01', "'single'", '\u0000') },
  );
}

function ndjsonBody(l: Layout): fc.Arbitrary<Body> {
  const object = fc
    .record({
      keep: fc.array(fc.integer({ min: 0, max: 15 }), { minLength: l.columns.length, maxLength: l.columns.length }),
      values: fc.tuple(...l.columns.map((c) => jsonFragment(c.kind))),
      extra: fc.oneof({ weight: 10, arbitrary: fc.constant<string[]>([]) }, { weight: 1, arbitrary: fc.constantFrom(['"__proto__":{"x":1}'], ['"zzz":1'], ['"constructor":"c"'], ['"user_id":"dup"']) }),
      pad: fc.constantFrom('', '', '', ' ', '\t'),
    })
    .map(({ keep, values, extra, pad }) => {
      const entries = l.columns.flatMap((c, i) => (keep[i] !== 0 ? [`${JSON.stringify(c.name)}:${values[i] as string}`] : []));
      return utf8(`${pad}{${[...entries, ...extra].join(',')}}${pad}`);
    });
  const nonObject = fc.oneof(
    fc.constantFrom('[]', '"s"', '42', 'null', '{"user_id":', '{', '}', '{}', `${'['.repeat(10000)}${']'.repeat(10000)}`, `${'{"a":'.repeat(10000)}`).map(utf8),
    fc.uint8Array({ maxLength: 30 }).map((a) => Buffer.from(a)),
  );
  return fc
    .record({
      lines: fc.array(fc.oneof({ weight: 10, arbitrary: object }, { weight: 1, arbitrary: nonObject }, { weight: 1, arbitrary: oddLine }), { maxLength: 25 }),
      eol: lineEnd,
      finalEol: fc.boolean(),
      bom: fc.constantFrom(0, 0, 0, 1),
    })
    .map(({ lines, eol, finalEol, bom }) => ({ body: joinLines(lines, eol, finalEol, bom), format: 'ndjson' as const }));
}

/** Bodies that are neither: empty, whitespace, random bytes, a gzip magic alone. */
const rawBody: fc.Arbitrary<Body> = fc
  .oneof(
    fc.constant(Buffer.alloc(0)),
    fc.constantFrom('\n', '\r\n\r\n', '   ', '\ufeff', '"', '{', ',').map(utf8),
    fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a)),
    // UTF-16 (with and without its BOM): what spreadsheet tools export as "Unicode text"
    fc.constantFrom('utf16le' as const).chain((enc) =>
      fc.constantFrom('\ufeffuser_id,item_id,event_type,ts\r\nu1,i1,view,2024-03-01T10:00:00Z\r\n', 'user_id\titem_id\tevent_type\tts\nu1\ti1\tview\t1709290000\n').map((t) => Buffer.from(t, enc)),
    ),
  )
  .map((body) => ({ body, format: 'csv' as const }));

/** A whole ingest case: layout, body, how the job names its format and delimiter, and gzip treatment. */
export const ingestFileCase: fc.Arbitrary<IngestFileCase> = layout.chain((l) =>
  fc
    .record({
      body: fc.oneof({ weight: 6, arbitrary: csvBody(l) }, { weight: 4, arbitrary: ndjsonBody(l) }, { weight: 1, arbitrary: rawBody }),
      naming: fc.integer({ min: 0, max: 9 }),
      delimChoice: fc.oneof(
        { weight: 8, arbitrary: fc.constant('none' as const) },
        { weight: 2, arbitrary: fc.constant('same' as const) },
        { weight: 1, arbitrary: fc.constantFrom('other' as const, 'tab' as const) },
      ),
      gzip: fc.oneof(
        { weight: 20, arbitrary: fc.constant<GzipMode>('none') },
        { weight: 4, arbitrary: fc.constant<GzipMode>('full') },
        { weight: 2, arbitrary: fc.constantFrom<GzipMode>('truncated', 'garbage', 'trailing') },
      ),
      cut: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ body, naming, delimChoice, gzip, cut }) => {
      const b = body as Body & { delimiter?: string };
      // naming 0-3: format given; 4-7: by extension; 8: a misleading extension; 9: sniffed (no extension)
      const exts = { csv: ['.csv', '.tsv', '.txt'], ndjson: ['.ndjson', '.jsonl', '.json'] };
      const c: IngestFileCase = { entity: l.entity, mapping: l.mapping, ext: '', body: b.body, gzip, cut };
      if (naming <= 3) c.format = b.format;
      if (naming <= 7) c.ext = exts[b.format][naming % 3] as string;
      if (naming === 8) c.ext = b.format === 'csv' ? '.ndjson' : '.csv';
      if (b.format === 'csv' && delimChoice !== 'none') {
        c.delimiter = delimChoice === 'same' ? b.delimiter : delimChoice === 'tab' ? 'tab' : b.delimiter === ',' ? ';' : ',';
      }
      // fast-check prints counterexamples with this (a Buffer would print byte by byte)
      Object.defineProperty(c, fc.toStringMethod, { value: () => describeCase(c), enumerable: false });
      return c;
    }),
);

/** Runs of a repeated unit (up to 8 characters: `[`, `{"a":`, a long field) written as «unit×count». */
export function shortenRuns(s: string): string {
  return s.replace(/(.{1,8}?)\1{7,}/gs, (run, unit: string) => `«${unit}×${run.length / unit.length}»`);
}

/** Short description of a case for failure reports (the body as escaped text, cut). */
export function describeCase(c: IngestFileCase): string {
  const body = Buffer.from(c.body);
  const latin1 = body.toString('latin1');
  // long runs of one character (deep nesting, long fields) shown as counts
  const text = JSON.stringify(shortenRuns(latin1).slice(0, 600));
  return `entity=${c.entity} mapping=${JSON.stringify(c.mapping)} format=${c.format ?? '-'} delimiter=${JSON.stringify(c.delimiter ?? null)} ext=${c.ext || '-'} gzip=${c.gzip} bytes=${body.length} body(latin1)=${text}`;
}

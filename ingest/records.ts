import { CsvRecordReader, type CsvRecord } from './formats/csv';
import { readLines } from './formats/lines';
import { NdjsonRecordReader, type JsonRecord } from './formats/ndjson';
import { bindCsvHeader, bindJsonKeys, type Binding } from './mappings/bind';
import type { Mapping } from './mappings/types';
import { Rejection } from './reasons';
import { IngestInputError } from './errors';

/** A record as the validators see it: fields aligned to the binding, or the reason it could not be read. */
export interface FieldRecord {
  line: number;
  raw: string;
  fields: string[] | null;
  error: Rejection | null;
}

/** Records read from one input chunk, with the binding in force (null until NDJSON's first object). */
export interface RecordBatch {
  format: 'csv' | 'ndjson';
  binding: Binding | null;
  records: FieldRecord[];
  /** physical lines read so far */
  lines: number;
}

/** What one file may make the reader hold: columns per header, characters per line (config INGEST_MAX_*). */
export interface ReadLimits {
  maxColumns: number;
  maxLineChars: number;
}
const DEFAULT_LIMITS: ReadLimits = { maxColumns: 1000, maxLineChars: 1024 * 1024 };

/** Refuses a header (or first JSON object) wider than the limit before any per-column work is done on it. */
function checkWidth<T extends string[] | Record<string, unknown>>(h: T, limits: ReadLimits, what: string): T {
  const width = Array.isArray(h) ? h.length : Object.keys(h).length;
  if (width > limits.maxColumns) throw new IngestInputError(`the ${what} has ${width} columns; the limit is ${limits.maxColumns} (INGEST_MAX_COLUMNS)`);
  return h;
}

const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

const BLANK_LINES: string[] = new Array<string>(4096).fill('');

/** An NDJSON object's fields; a value nested too deep to print (JSON.stringify overflows the stack) rejects its line. */
function fieldsOf(r: JsonRecord, binding: Binding | null): { fields: string[] | null; error: Rejection | null } {
  if (r.obj === null || binding === null) return { fields: null, error: r.error };
  try {
    const fields = binding.project(r.obj);
    // A JSON escape can spell a lone surrogate ("\ud800"), which UTF-8 cannot store: like bytes that are not UTF-8.
    if (r.raw.includes('\\u') && fields.some((f) => LONE_SURROGATE.test(f))) return { fields: null, error: new Rejection('bad_encoding', 'a lone surrogate escape (\\ud800-\\udfff), which UTF-8 cannot store') };
    return { fields, error: r.error };
  } catch (err) {
    if (err instanceof RangeError) return { fields: null, error: new Rejection('bad_json', 'a value is nested too deeply') };
    throw err;
  }
}

/**
 * Streams a decompressed byte source as field records. The format is `format` or, when null, sniffed from the
 * first non-empty line (`{` means NDJSON). Throws IngestInputError when the mapping does not fit the header.
 */
export async function* readRecords(
  bytes: AsyncIterable<Buffer | string>,
  opts: { format: 'csv' | 'ndjson' | null; delimiter?: string | undefined; mapping: Mapping; limits?: ReadLimits },
): AsyncGenerator<RecordBatch> {
  const limits = opts.limits ?? DEFAULT_LIMITS;
  let format = opts.format;
  let csv: CsvRecordReader | null = null;
  let json: NdjsonRecordReader | null = null;
  let binding: Binding | null = null;
  let lines = 0;
  // Blank lines read before the format is sniffed: the readers number lines by what they are fed, so they get
  // them with the first content (the first few thousand as they are, the rest as empty lines).
  let held: string[] = [];
  let heldMore = 0;
  const replayHeld = <T>(reader: { push(lines: string[], out: T[]): T[] }): T[] => {
    const out: T[] = [];
    if (held.length > 0) reader.push(held, out);
    for (let n = heldMore; n > 0; n -= BLANK_LINES.length) reader.push(n >= BLANK_LINES.length ? BLANK_LINES : BLANK_LINES.slice(0, n), out);
    held = [];
    heldMore = 0;
    return out;
  };
  for await (const chunk of readLines(bytes, limits.maxLineChars)) {
    lines += chunk.length;
    if (format === null) {
      const first = chunk.find((l) => l.trim().length > 0);
      if (first === undefined) {
        const room = Math.max(0, BLANK_LINES.length - held.length);
        held = held.concat(chunk.slice(0, room));
        heldMore += Math.max(0, chunk.length - room);
        continue;
      }
      format = first.trimStart().startsWith('{') ? 'ndjson' : 'csv';
    }
    if (format === 'csv') {
      csv ??= new CsvRecordReader(opts.delimiter);
      const records = csv.push(chunk, replayHeld(csv));
      if (binding === null && csv.header !== null) binding = bindCsvHeader(opts.mapping, checkWidth(csv.header, limits, 'header'));
      yield { format, binding, records, lines };
    } else {
      json ??= new NdjsonRecordReader();
      const recs: JsonRecord[] = json.push(chunk, replayHeld(json));
      const records: FieldRecord[] = new Array<FieldRecord>(recs.length);
      for (let i = 0; i < recs.length; i++) {
        const r = recs[i] as JsonRecord;
        if (r.obj !== null && binding === null) binding = bindJsonKeys(opts.mapping, checkWidth(r.obj, limits, 'first JSON object'));
        records[i] = { line: r.line, raw: r.raw, ...fieldsOf(r, binding) };
      }
      yield { format, binding, records, lines };
    }
  }
  if (csv !== null) {
    const tail: CsvRecord[] = csv.end();
    if (binding === null && csv.header !== null) binding = bindCsvHeader(opts.mapping, checkWidth(csv.header, limits, 'header'));
    if (tail.length > 0) yield { format: 'csv', binding, records: tail, lines };
  }
}

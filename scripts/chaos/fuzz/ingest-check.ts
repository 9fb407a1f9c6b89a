import { IngestInputError } from '../../../ingest/errors';
import { formatFromName, openSource } from '../../../ingest/formats/source';
import { resolveMapping } from '../../../ingest/mappings/presets';
import type { Mapping } from '../../../ingest/mappings/types';
import { ingestOptionsSchema } from '../../../ingest/payload';
import { loadConfig } from '../../../config';
import { REJECT_REASONS, Rejection } from '../../../ingest/reasons';
import { readRecords } from '../../../ingest/records';
import { sqlTime } from '../../../ingest/time';
import { compileEventValidator, compileItemValidator, compileUserValidator, LIMITS, type EventRow, type Fields } from '../../../ingest/validate';
import type { ItemUpsert, UserUpsert } from '../../../db/repositories/ingest-entities';
import { describeIssues } from '../../../config/errors';

/** What the parser check is asked: a file on disk and the ingest options a job would carry. */
export interface ParseSpec {
  path: string;
  entity: 'events' | 'items' | 'users';
  mapping: string | Record<string, unknown>;
  format?: 'csv' | 'ndjson';
  delimiter?: string;
  /** INGEST_MAX_COLUMNS / INGEST_MAX_LINE_CHARS; default: the configured defaults */
  limits?: { maxColumns: number; maxLineChars: number };
  /** return accepted events as they should be stored (eventRowKey), up to 1,000 */
  collect?: boolean;
}

/** An accepted event as the events table should hold it: every stored column but the price, as JSON text. */
export const eventRowKey = (r: { user: string; item: string | null; type: number; at: string; quantity: number | null; dwell: number | null; query: string | null; session: string | null }): string =>
  JSON.stringify([r.user, r.item, r.type, r.at, r.quantity, r.dwell, r.query, r.session]);

/** How reading, binding and validating one file ended. */
export interface ParseOutcome {
  /** ok: read to the end; input-error: a clean IngestInputError; other-error: anything else thrown */
  kind: 'ok' | 'input-error' | 'other-error' | 'timeout' | 'crash';
  errorName?: string;
  message?: string;
  format: 'csv' | 'ndjson' | null;
  /** physical lines read */
  lines: number;
  /** line numbers of the records, in the order they came (capped at 10,000) */
  recordLines: number[];
  records: number;
  accepted: number;
  rejected: number;
  byReason: Record<string, number>;
  /** the longest rejection detail seen */
  maxDetail: number;
  /** invariants broken inside the check (an accepted row that could not be stored, a record out of order, …) */
  problems: string[];
  /** with `collect`: accepted events as [eventRowKey, price in 1/10,000] */
  rows?: [string, number | null][];
  /** with `collect`: accepted items by id, the last line of each id: [title, category, price in 1/10,000, in stock] */
  items?: Record<string, [string | null, string | null, number | null, boolean]>;
  ms: number;
}

const KNOWN_REASONS = new Set<string>(REJECT_REASONS);
const DEC = /^[+-]?(?:\d+\.?\d*|\.\d+)$/;
const MIN_MS = Date.UTC(1970, 0, 1);
const MAX_MS = Date.UTC(2100, 0, 1);
const MAX_INT = 2147483647;
// Undecodable bytes (U+FFFD) or a lone surrogate: text the database would not store as it is.
const BAD_TEXT = /[\uFFFD]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function checkPrice(p: string | null, problems: string[]): void {
  if (p === null) return;
  if (!DEC.test(p) || !(Number(p) >= 0 && Number(p) < 1e10)) problems.push(`accepted price ${JSON.stringify(p.slice(0, 40))}`);
}

function checkId(what: string, s: string | null, nullable: boolean, problems: string[]): void {
  if (s === null) {
    if (!nullable) problems.push(`accepted row without ${what}`);
    return;
  }
  if (s.length === 0 || s.length > LIMITS.id || BAD_TEXT.test(s)) problems.push(`accepted ${what} ${JSON.stringify(s.slice(0, 80))}`);
}

// What MariaDB's JSON column refuses although JSON.parse takes it (checked here so the cheap property sees it too).
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;
function jsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let str = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (str) {
      if (c === '\\') i++;
      else if (c === '"') str = false;
    } else if (c === '"') str = true;
    else if (c === '{' || c === '[') max = Math.max(max, ++depth);
    else if (c === '}' || c === ']') depth--;
  }
  return max;
}

function hasLoneSurrogate(v: unknown): boolean {
  const stack: unknown[] = [v];
  while (stack.length > 0) {
    const x = stack.pop();
    if (typeof x === 'string' && LONE_SURROGATE.test(x)) return true;
    if (typeof x === 'object' && x !== null) {
      for (const [k, c] of Object.entries(x)) {
        if (LONE_SURROGATE.test(k)) return true;
        stack.push(c);
      }
    }
  }
  return false;
}

function checkAttributes(a: string | null, problems: string[]): void {
  if (a === null) return;
  if (a.length > LIMITS.attributes) problems.push(`accepted attributes of ${a.length} characters`);
  try {
    const v: unknown = JSON.parse(a);
    if (typeof v !== 'object' || v === null || Array.isArray(v)) problems.push('accepted attributes that are not a JSON object');
    if (jsonDepth(a) > 31) problems.push('accepted attributes nested deeper than MariaDB stores (31)');
    if (hasLoneSurrogate(v)) problems.push('accepted attributes with a lone surrogate');
  } catch {
    problems.push('accepted attributes that are not JSON');
  }
}

/** Checks that a validated row could be stored as it is (types, ranges and widths of its table). */
function sane(entity: ParseSpec['entity'], row: unknown, problems: string[]): void {
  if (entity === 'events') {
    const r = row as EventRow;
    checkId('user', r.userId, false, problems);
    checkId('item', r.itemId, r.type === 1, problems);
    checkId('session', r.sessionId, true, problems);
    if (!(r.type >= 1 && r.type <= 4)) problems.push(`accepted event type ${r.type}`);
    if (!(Number.isFinite(r.ms) && r.ms >= MIN_MS && r.ms < MAX_MS)) problems.push(`accepted time ${r.ms}`);
    if (r.quantity !== null && !(Number.isSafeInteger(r.quantity) && Math.abs(r.quantity) <= MAX_INT)) problems.push(`accepted quantity ${r.quantity}`);
    if (r.dwellMs !== null && !(Number.isSafeInteger(r.dwellMs) && r.dwellMs >= 0 && r.dwellMs <= MAX_INT)) problems.push(`accepted dwell ${r.dwellMs}`);
    if (r.query !== null && (r.query.length > LIMITS.query || BAD_TEXT.test(r.query))) problems.push('accepted query too long or with bad bytes');
    if (r.title !== null && r.title.length > LIMITS.title) problems.push('accepted title too long');
    checkPrice(r.price, problems);
    checkAttributes(r.userAttributes, problems);
  } else if (entity === 'items') {
    const r = row as ItemUpsert;
    checkId('item', r.itemId, false, problems);
    if (r.title !== null && r.title.length > LIMITS.title) problems.push('accepted title too long');
    if (r.category !== null && r.category.length > LIMITS.category) problems.push('accepted category too long');
    checkPrice(r.price, problems);
    checkAttributes(r.attributes, problems);
  } else {
    const r = row as UserUpsert;
    checkId('user', r.userId, false, problems);
    checkAttributes(r.attributes, problems);
  }
}

function validatorFor(m: Mapping, binding: Parameters<typeof compileEventValidator>[1]): (f: Fields) => unknown {
  switch (m.entity) {
    case 'events':
      return compileEventValidator(m, binding);
    case 'items':
      return compileItemValidator(m, binding);
    case 'users':
      return compileUserValidator(m, binding);
  }
}

let defaults: { maxColumns: number; maxLineChars: number } | null = null;
const defaultLimits = (): { maxColumns: number; maxLineChars: number } => {
  const c = loadConfig({});
  return (defaults ??= { maxColumns: c.INGEST_MAX_COLUMNS, maxLineChars: c.INGEST_MAX_LINE_CHARS });
};

/** The job options as the payload schema reads them (mapping object, delimiter aliases), or an input error. */
function options(spec: ParseSpec): { mapping: Mapping; format?: 'csv' | 'ndjson'; delimiter?: string } {
  const parsed = ingestOptionsSchema.safeParse({ entity: spec.entity, mapping: spec.mapping, format: spec.format, delimiter: spec.delimiter });
  if (!parsed.success) throw new IngestInputError(`invalid ingest payload: ${describeIssues(parsed.error.issues)}`);
  return { mapping: resolveMapping(parsed.data.mapping, parsed.data.entity), format: parsed.data.format, delimiter: parsed.data.delimiter };
}

/**
 * Reads a file the way the ingest runner does (source, record reader, mapping binding, row validation) without a
 * database, and accounts for every record: accepted, or rejected with a known reason. Never throws.
 */
export async function checkParse(spec: ParseSpec): Promise<ParseOutcome> {
  const started = Date.now();
  const out: ParseOutcome = { kind: 'ok', format: null, lines: 0, recordLines: [], records: 0, accepted: 0, rejected: 0, byReason: {}, maxDetail: 0, problems: [], ms: 0 };
  let lastLine = 0;
  let source: { close(): void } | null = null;
  try {
    const opts = options(spec);
    const opened = await openSource(spec.path, 'the file');
    source = opened;
    const format = opts.format ?? formatFromName(spec.path);
    const limits = spec.limits ?? defaultLimits();
    let validate: ((f: Fields) => unknown) | null = null;
    for await (const batch of readRecords(opened.stream, { format, delimiter: opts.delimiter, mapping: opts.mapping, limits })) {
      out.format = batch.format;
      out.lines = batch.lines;
      if (validate === null && batch.binding !== null) validate = validatorFor(opts.mapping, batch.binding);
      for (const rec of batch.records) {
        out.records++;
        if (out.recordLines.length < 10000) out.recordLines.push(rec.line);
        if (rec.line <= lastLine || rec.line < 1 || rec.line > batch.lines) out.problems.push(`record at line ${rec.line} after line ${lastLine} (of ${batch.lines})`);
        lastLine = rec.line;
        let row: unknown = rec.error;
        if (row === null) row = validate === null || rec.fields === null ? new Rejection('bad_json', 'no fields') : validate(rec.fields);
        if (row instanceof Rejection) {
          out.rejected++;
          out.byReason[row.reason] = (out.byReason[row.reason] ?? 0) + 1;
          out.maxDetail = Math.max(out.maxDetail, row.detail.length);
          if (!KNOWN_REASONS.has(row.reason)) out.problems.push(`unknown reason ${String(row.reason)}`);
        } else {
          out.accepted++;
          sane(spec.entity, row, out.problems);
          if (spec.collect && spec.entity === 'items') {
            const it = row as ItemUpsert;
            (out.items ??= Object.create(null) as Record<string, [string | null, string | null, number | null, boolean]>)[it.itemId] = [it.title, it.category, it.price === null ? null : Math.round(Number(it.price) * 1e4), it.inStock];
          }
          if (spec.collect && spec.entity === 'events' && (out.rows ??= []).length < 1000) {
            const e = row as EventRow;
            const key = eventRowKey({ user: e.userId, item: e.itemId, type: e.type, at: sqlTime(e.ms), quantity: e.quantity, dwell: e.dwellMs, query: e.query, session: e.sessionId });
            out.rows.push([key, e.price === null ? null : Math.round(Number(e.price) * 1e4)]);
          }
        }
      }
    }
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    out.kind = err instanceof IngestInputError ? 'input-error' : 'other-error';
    out.errorName = e.name;
    out.message = err instanceof IngestInputError ? e.message : `${e.message}\n${(e.stack ?? '').split('\n').slice(1, 6).join('\n')}`;
  } finally {
    source?.close();
  }
  if (out.problems.length > 20) out.problems = [...out.problems.slice(0, 20), `… ${out.problems.length - 20} more`];
  out.ms = Date.now() - started;
  return out;
}

import type { ParseOutcome } from './ingest-check';

/** Longest error message a client or an operator may be shown. */
export const MAX_MESSAGE = 500;

// C0 controls, DEL, C1 controls, U+FFFD (what undecodable bytes become) and lone surrogates.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const RAW_BYTES = /[\u0000-\u001f\u007f-\u009f\uFFFD]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** What is wrong with an error message meant for people: too long, or raw control / binary characters in it. */
export function messageProblems(what: string, message: unknown): string[] {
  if (typeof message !== 'string') return [`${what}: message is ${typeof message}, not a string`];
  const out: string[] = [];
  if (message.length > MAX_MESSAGE) out.push(`${what}: message is ${message.length} characters (max ${MAX_MESSAGE})`);
  const m = RAW_BYTES.exec(message);
  if (m) out.push(`${what}: message holds raw U+${(m[0].codePointAt(0) ?? 0).toString(16).padStart(4, '0')} at ${m.index}`);
  return out;
}

/**
 * The parser property: a clean input error (short, printable message), or every record accounted for exactly
 * once (accepted + rejected = records, in line order), each reject with a short detail, every accepted row
 * storable; and, where the oracle knows them, exactly the expected record lines. Returns what broke.
 */
export function judgeParse(o: ParseOutcome, expected: ((format: 'csv' | 'ndjson') => number[] | null) | null, budgetMs: number): string[] {
  const f: string[] = [];
  if (o.kind === 'timeout') return [`no answer within ${budgetMs} ms (a hang)`];
  if (o.kind === 'crash') return [`the check's thread died: ${o.message ?? ''}`];
  if (o.kind === 'other-error') return [`threw ${o.errorName ?? 'an error'} instead of IngestInputError: ${(o.message ?? '').slice(0, 600)}`];
  if (o.ms > budgetMs) f.push(`took ${o.ms} ms (budget ${budgetMs})`);
  f.push(...o.problems);
  if (o.kind === 'input-error') {
    f.push(...messageProblems('IngestInputError', o.message));
    return f;
  }
  if (o.accepted + o.rejected !== o.records) f.push(`accepted ${o.accepted} + rejected ${o.rejected} != records ${o.records}`);
  if (o.maxDetail > MAX_MESSAGE) f.push(`a rejection detail is ${o.maxDetail} characters`);
  const want = expected && o.format ? expected(o.format) : null;
  if (want && o.records <= 10000) {
    const got = o.recordLines;
    if (got.length !== want.length || got.some((l, i) => l !== want[i])) {
      f.push(`records at lines [${got.slice(0, 40).join(',')}] but the file has records at [${want.slice(0, 40).join(',')}]`);
    }
  }
  return f;
}

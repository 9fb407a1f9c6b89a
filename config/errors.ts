import { UnrecoverableError } from 'bullmq';

/**
 * Bad input or missing rows: retrying cannot help, so BullMQ must not retry (UnrecoverableError). Anything
 * else thrown (lost connection, deadlock) is left to BullMQ's retries with backoff.
 */
export class BadInputError extends UnrecoverableError {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecoverableError';
  }
}

/** Throws a BadInputError when `cond` is false. */
export function require_(cond: unknown, message: string): asserts cond {
  if (!cond) throw new BadInputError(message);
}

/** The most characters of an error message that is stored (job failure, batch row) or shown to a client. */
export const MAX_ERROR_CHARS = 500;

// C0/C1 controls, DEL, the replacement character (what invalid UTF-8 decodes to), line/paragraph separators
// and lone surrogates: none belongs in a log line or a JSON error shown to a person.
// eslint-disable-next-line no-control-regex -- matching control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\ufffd]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

/**
 * Text safe to store and show: unsafe characters escaped as \uXXXX and at most `max` characters (cut with …).
 * Applied to every message that leaves a job, so a binary or 5 MB input line can never be echoed back whole.
 */
export function safeText(s: string, max = MAX_ERROR_CHARS): string {
  const escaped = s.slice(0, max + 1).replace(UNSAFE, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // The cut must not split a surrogate pair (that leaves a raw lone surrogate) or an escape.
  return escaped.length > max ? `${escaped.slice(0, max - 1).replace(/\\u[0-9a-f]{0,3}$|\\$/, '').replace(/[\ud800-\udbff]$/, '')}…` : escaped;
}

/** Formats validation issues as "field: problem; …", naming each bad field (API 400s and job failures alike). */
export function describeIssues(issues: readonly { path: readonly PropertyKey[]; message: string }[]): string {
  return issues.map((i) => `${i.path.map(String).join('.') || '(payload)'}: ${i.message}`).join('; ');
}

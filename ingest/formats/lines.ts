import { StringDecoder } from 'node:string_decoder';

/**
 * Stands in for a line longer than the reader's limit: such a line is never held whole (a 100 MB line would
 * cost gigabytes of string work), only counted, and the record readers reject it as `line_too_long`.
 */
export const LINE_TOO_LONG = '\u0000\u0000line too long\u0000\u0000';

/**
 * Splits a byte stream into text lines (LF or CRLF), yielding one array per input chunk so the caller's
 * per-line work stays synchronous. Line numbers are implicit: the n-th line yielded overall is line n.
 * Invalid UTF-8 decodes to U+FFFD, which readers report as bad_encoding. A line over `maxChars` is yielded as
 * LINE_TOO_LONG, and its bytes are skipped as they arrive.
 */
export async function* readLines(bytes: AsyncIterable<Buffer | string>, maxChars = Number.POSITIVE_INFINITY): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  // The unfinished last line, kept as pieces: a long line is joined once when its newline arrives, not re-joined
  // and re-split with every chunk (which made reading a line cost the square of its length).
  let carry: string[] = [];
  let carryChars = 0;
  const keep = (piece: string): void => {
    carry.push(piece);
    carryChars += piece.length;
    if (carryChars > maxChars) {
      carry = [];
      carryChars = 0;
      skipping = true;
    }
  };
  let first = true;
  let skipping = false;
  for await (const chunk of bytes) {
    let text = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    let head: string[] = [];
    if (skipping) {
      const nl = text.indexOf('\n');
      if (nl === -1) continue;
      head = [LINE_TOO_LONG];
      skipping = false;
      text = text.slice(nl + 1);
    }
    if (text.indexOf('\n') === -1) {
      if (head.length > 0) yield head;
      if (text.length > 0) keep(text);
      continue;
    }
    if (carry.length > 0) {
      text = carry.join('') + text;
      carry = [];
      carryChars = 0;
    }
    let lines = text.split('\n');
    keep(lines.pop() ?? '');
    // Only a chunk longer than the limit can hold a line longer than it: the common case pays one comparison.
    if (text.length > maxChars) lines = lines.map((l) => (l.length > maxChars ? LINE_TOO_LONG : l));
    if (head.length > 0) lines = head.concat(lines);
    if (lines.length > 0) yield stripCr(lines);
  }
  if (skipping) {
    yield [LINE_TOO_LONG];
    return;
  }
  const tail = carry.join('') + decoder.end();
  if (tail.length > 0) yield stripCr([tail.length > maxChars ? LINE_TOO_LONG : tail]);
}

function stripCr(lines: string[]): string[] {
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i] as string;
    if (l.length > 0 && l.charCodeAt(l.length - 1) === 13) lines[i] = l.slice(0, -1);
  }
  return lines;
}

/** True when a decoded line held bytes that were not valid UTF-8. */
export const hasBadEncoding = (s: string): boolean => s.indexOf('\uFFFD') !== -1;

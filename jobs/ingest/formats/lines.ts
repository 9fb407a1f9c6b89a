import { StringDecoder } from 'node:string_decoder';

/**
 * Splits a byte stream into text lines (LF or CRLF), yielding one array per input chunk so the caller's
 * per-line work stays synchronous. Line numbers are implicit: the n-th line yielded overall is line n.
 * Invalid UTF-8 decodes to U+FFFD, which readers report as bad_encoding.
 */
export async function* readLines(bytes: AsyncIterable<Buffer | string>): AsyncGenerator<string[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let first = true;
  for await (const chunk of bytes) {
    let text = carry + (typeof chunk === 'string' ? chunk : decoder.write(chunk));
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    const lines = text.split('\n');
    carry = lines.pop() ?? '';
    if (lines.length > 0) yield stripCr(lines);
  }
  const tail = carry + decoder.end();
  if (tail.length > 0) yield stripCr([tail]);
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

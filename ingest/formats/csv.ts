import { IngestInputError } from '../errors';
import { Rejection } from '../reasons';
import { LINE_TOO_LONG, hasBadEncoding } from './lines';

/** One physical or logical (quoted multi-line) CSV record, or why it could not be read. */
export interface CsvRecord {
  /** line number (1-based, header included) where the record starts */
  line: number;
  raw: string;
  fields: string[] | null;
  error: Rejection | null;
}

const CANDIDATES = [',', ';', '\t', '|'];
/** A quoted field may span lines, but a stray quote must not swallow the file: past this, the record is rejected. */
const MAX_RECORD_LINES = 64;
const MAX_RECORD_CHARS = 1 << 20;

/** The most frequent candidate delimiter (, ; TAB |) outside quotes in a header line; comma when none occurs. */
export function detectDelimiter(header: string): string {
  let best = ',';
  let bestCount = 0;
  for (const d of CANDIDATES) {
    let n = 0;
    let quoted = false;
    for (let i = 0; i < header.length; i++) {
      const c = header[i];
      if (c === '"') quoted = !quoted;
      else if (!quoted && c === d) n++;
    }
    if (n > bestCount) {
      best = d;
      bestCount = n;
    }
  }
  return best;
}

/** splitCsv's answer in strict mode when a closing quote is followed by text other than a delimiter. */
export const MALFORMED: readonly string[] = Object.freeze([]);

/**
 * Splits one record honouring RFC 4180 quotes (a quote opens a quoted field only at the field's start; `""` is
 * a literal quote inside it). Returns null when a quoted field is still open at the end of the text. Text after
 * a closing quote is kept (lenient) unless `strict`, where the answer is MALFORMED.
 */
export function splitCsv(s: string, delim: string, strict = false): string[] | null {
  if (s.indexOf('"') === -1) return s.split(delim);
  const out: string[] = [];
  const n = s.length;
  let i = 0;
  for (;;) {
    if (s[i] === '"') {
      let val = '';
      i++;
      for (;;) {
        const j = s.indexOf('"', i);
        if (j === -1) return null;
        if (s[j + 1] === '"') {
          val += s.slice(i, j + 1);
          i = j + 2;
          continue;
        }
        val += s.slice(i, j);
        i = j + 1;
        break;
      }
      if (i < n && s[i] !== delim) {
        if (strict) return MALFORMED as string[];
        // Text after the closing quote: keep it (lenient), up to the next delimiter.
        let k = s.indexOf(delim, i);
        if (k === -1) k = n;
        val += s.slice(i, k);
        i = k;
      }
      out.push(val);
    } else {
      const k = s.indexOf(delim, i);
      if (k === -1) {
        out.push(s.slice(i));
        return out;
      }
      out.push(s.slice(i, k));
      i = k;
    }
    if (i >= n) return out;
    i++; // the delimiter
    if (i === n) {
      out.push('');
      return out;
    }
  }
}

/**
 * Streaming CSV record reader over lines. Feed it lines in order with `push`; it returns the records completed.
 * The first non-empty line is the header. A record whose quote stays open continues on the next lines; if it
 * never closes (or closes with the wrong column count) only its first line is rejected and the lines after it
 * are read again on their own, so one stray quote cannot take intact rows down with it.
 */
export class CsvRecordReader {
  header: string[] | null = null;
  delimiter: string | null;
  private lineNo = 0;
  private pending: { line: number; text: string }[] = [];
  private pendingChars = 0;

  constructor(delimiter?: string) {
    this.delimiter = delimiter ?? null;
  }

  /** Consumes the next physical lines; returns the records they complete. */
  push(lines: string[], out: CsvRecord[] = []): CsvRecord[] {
    for (const text of lines) this.feed(++this.lineNo, text, out);
    return out;
  }

  /** End of input: a record still open is rejected (first line) and the rest re-read. */
  end(out: CsvRecord[] = []): CsvRecord[] {
    if (this.pending.length > 0) this.abandonPending('quoted field never closed before the end of the file', out);
    return out;
  }

  private feed(line: number, text: string, out: CsvRecord[]): void {
    if (text === LINE_TOO_LONG) {
      if (this.header === null) throw new IngestInputError('the header line is longer than INGEST_MAX_LINE_CHARS');
      if (this.pending.length > 0) this.abandonPending('quoted field still open when an over-long line followed', out);
      out.push({ line, raw: '', fields: null, error: new Rejection('line_too_long', 'longer than INGEST_MAX_LINE_CHARS; not read') });
      return;
    }
    if (this.pending.length > 0) {
      this.pending.push({ line, text });
      this.pendingChars += text.length + 1;
      this.tryPending(out);
      return;
    }
    if (text.length === 0) return;
    if (this.header === null) {
      this.readHeader(text);
      return;
    }
    const delim = this.delimiter as string;
    if (hasBadEncoding(text)) {
      out.push({ line, raw: text, fields: null, error: new Rejection('bad_encoding', 'bytes that are not valid UTF-8') });
      return;
    }
    const fields = splitCsv(text, delim);
    if (fields === null) {
      this.pending.push({ line, text });
      this.pendingChars = text.length;
      return;
    }
    out.push(this.record(line, text, fields));
  }

  private record(line: number, raw: string, fields: string[]): CsvRecord {
    const want = (this.header as string[]).length;
    if (fields.length !== want) {
      return { line, raw, fields: null, error: new Rejection('wrong_column_count', `${fields.length} columns, header has ${want}`) };
    }
    return { line, raw, fields, error: null };
  }

  private tryPending(out: CsvRecord[]): void {
    const text = this.pending.map((p) => p.text).join('\n');
    // Strict: a multi-line record must close cleanly, or a stray quote could pair with a later line's quote.
    const fields = splitCsv(text, this.delimiter as string, true);
    if (fields === MALFORMED) {
      this.abandonPending('quoted field spans lines and closes with text after its closing quote', out);
      return;
    }
    if (fields === null) {
      if (this.pending.length >= MAX_RECORD_LINES || this.pendingChars > MAX_RECORD_CHARS) {
        this.abandonPending(`quoted field still open after ${this.pending.length} lines`, out);
      }
      return;
    }
    const want = (this.header as string[]).length;
    if (fields.length !== want) {
      this.abandonPending(`quoted field spans lines but the record then has ${fields.length} columns, header has ${want}`, out);
      return;
    }
    const first = this.pending[0] as { line: number };
    this.pending = [];
    if (hasBadEncoding(text)) out.push({ line: first.line, raw: text, fields: null, error: new Rejection('bad_encoding', 'bytes that are not valid UTF-8') });
    else out.push({ line: first.line, raw: text, fields, error: null });
  }

  private abandonPending(detail: string, out: CsvRecord[]): void {
    const [first, ...rest] = this.pending;
    this.pending = [];
    this.pendingChars = 0;
    if (first === undefined) return;
    out.push({ line: first.line, raw: first.text, fields: null, error: new Rejection('unterminated_quote', detail) });
    for (const r of rest) this.feed(r.line, r.text, out);
  }

  private readHeader(text: string): void {
    this.delimiter ??= detectDelimiter(text);
    const fields = splitCsv(text, this.delimiter);
    this.header = (fields ?? text.split(this.delimiter)).map((h) => h.trim());
  }
}

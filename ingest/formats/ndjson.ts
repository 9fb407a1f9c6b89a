import { Rejection } from '../reasons';
import { LINE_TOO_LONG, hasBadEncoding } from './lines';

/** One NDJSON line: its object, or why it is not one. */
export interface JsonRecord {
  line: number;
  raw: string;
  obj: Record<string, unknown> | null;
  error: Rejection | null;
}

/** Streaming NDJSON reader over lines: one JSON object per non-empty line. */
export class NdjsonRecordReader {
  private lineNo = 0;

  /** Consumes the next physical lines; returns their records. */
  push(lines: string[], out: JsonRecord[] = []): JsonRecord[] {
    for (const raw of lines) {
      const line = ++this.lineNo;
      if (raw.length === 0 || raw.trim().length === 0) continue;
      if (raw === LINE_TOO_LONG) {
        out.push({ line, raw: '', obj: null, error: new Rejection('line_too_long', 'longer than INGEST_MAX_LINE_CHARS; not read') });
        continue;
      }
      if (hasBadEncoding(raw)) {
        out.push({ line, raw, obj: null, error: new Rejection('bad_encoding', 'bytes that are not valid UTF-8') });
        continue;
      }
      let v: unknown;
      try {
        v = JSON.parse(raw);
      } catch (err) {
        out.push({ line, raw, obj: null, error: new Rejection('bad_json', (err as Error).message.slice(0, 200)) });
        continue;
      }
      if (typeof v !== 'object' || v === null || Array.isArray(v)) {
        out.push({ line, raw, obj: null, error: new Rejection('bad_json', 'a line must hold one JSON object') });
        continue;
      }
      out.push({ line, raw, obj: v as Record<string, unknown>, error: null });
    }
    return out;
  }
}

/** A JSON value as field text: strings as they are, numbers/booleans printed, objects as JSON, null/absent as undefined. */
export function jsonFieldText(v: unknown): string | undefined {
  if (v === null || v === undefined) return undefined;
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v);
}

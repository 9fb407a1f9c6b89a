import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { once } from 'node:events';
import { createGzip, gzipSync } from 'node:zlib';
import type { IngestFileCase } from './ingest-cases';

/** Writes a case's file (gzip treatment applied) as `<dir>/<stem><ext>[.gz]`; returns its path. */
export async function writeCaseFile(dir: string, stem: string, c: IngestFileCase): Promise<string> {
  const body = Buffer.from(c.body);
  let bytes: Buffer;
  switch (c.gzip) {
    case 'none':
      bytes = body;
      break;
    case 'full':
      bytes = gzipSync(body);
      break;
    case 'truncated': {
      const z = gzipSync(body);
      bytes = z.subarray(0, Math.max(2, Math.floor(z.length * c.cut)));
      break;
    }
    case 'garbage':
      bytes = Buffer.concat([Buffer.from([0x1f, 0x8b]), randomBytes(Math.floor(c.cut * 64))]);
      break;
    case 'trailing':
      bytes = Buffer.concat([gzipSync(body), Buffer.from('trailing junk \u0000\u00ff')]);
      break;
  }
  const path = join(dir, `${stem}${c.ext}${c.gzip === 'none' ? '' : '.gz'}`);
  await writeFile(path, bytes);
  return path;
}

/**
 * The line numbers that must come out as records, one each, when the oracle can tell: NDJSON (every line that
 * is not blank) or CSV without any quote (every non-empty line after the header). Null when quotes may join
 * lines, or when the decompressed bytes are not the body (a damaged gzip).
 */
export function expectedRecordLines(c: IngestFileCase, format: 'csv' | 'ndjson'): number[] | null {
  if (c.gzip === 'truncated' || c.gzip === 'garbage') return null;
  const body = Buffer.from(c.body);
  if (format === 'csv' && body.includes(0x22)) return null;
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
  const out: number[] = [];
  let header = format === 'csv';
  lines.forEach((l, i) => {
    if (format === 'ndjson') {
      if (l.trim().length > 0) out.push(i + 1);
    } else if (l.length > 0) {
      if (header) header = false;
      else out.push(i + 1);
    }
  });
  return out;
}

/** What a giant case is: one huge line (as a CSV field, a CSV header, an NDJSON string) or a very wide header. */
export type GiantKind = 'csv-row-line' | 'csv-header-line' | 'ndjson-line' | 'csv-row-line-gz' | 'wide-header' | 'wide-header-generic' | 'wide-header-dupes' | 'wide-row';

export interface GiantCase {
  kind: GiantKind;
  /** bytes of the long line, or number of columns */
  size: number;
  /** INGEST_MAX_LINE_CHARS for this file (default: the configured default) */
  maxLineChars?: number;
}

const HEADER = 'user_id,item_id,event_type,ts';
const ROW = 'u1,i1,view,2024-03-01T10:00:00Z';

/**
 * Writes a giant file without holding it in memory (the long line goes out in 1 MiB pieces); returns the number
 * of records the reader must produce (null where the file cannot be ingested at all). Lines: a good row before
 * and after the giant one, so the reader must recover from it.
 */
export async function writeGiantFile(path: string, g: GiantCase): Promise<void> {
  const gz = g.kind === 'csv-row-line-gz';
  const file = createWriteStream(path);
  const out = gz ? createGzip() : null;
  if (out) out.pipe(file);
  const sink = out ?? file;
  const write = async (s: string | Buffer): Promise<void> => {
    if (!sink.write(s)) await once(sink, 'drain');
  };
  const piece = Buffer.alloc(1 << 20, 'a');
  const long = async (n: number): Promise<void> => {
    for (let left = n; left > 0; left -= piece.length) await write(left >= piece.length ? piece : piece.subarray(0, left));
  };
  switch (g.kind) {
    case 'csv-row-line':
    case 'csv-row-line-gz':
      await write(`${HEADER}\n${ROW}\nu2,i2,view,`);
      await long(g.size);
      await write(`\n${ROW}\n`);
      break;
    case 'csv-header-line':
      await write('user_id,');
      await long(g.size);
      await write(`\n${ROW}\n`);
      break;
    case 'ndjson-line':
      await write(`{"user_id":"u1","item_id":"i1","event_type":"view","ts":"2024-03-01T10:00:00Z"}\n{"user_id":"u2","item_id":"i2","event_type":"view","ts":"2024-03-01T10:00:00Z","query":"`);
      await long(g.size);
      await write('"}\n{"user_id":"u3","item_id":"i3","event_type":"view","ts":"2024-03-01T10:00:00Z"}\n');
      break;
    case 'wide-header':
    case 'wide-header-generic':
    case 'wide-header-dupes': {
      const names: string[] = g.kind === 'wide-header-generic' ? HEADER.split(',') : [];
      for (let i = names.length; i < g.size; i++) names.push(g.kind === 'wide-header-dupes' && i === g.size - 1 ? 'c0' : `c${i}`);
      await write(`${names.join(',')}\n`);
      await write(`${Array.from({ length: g.size }, (_, i) => (i < 4 ? ROW.split(',')[i] : '')).join(',')}\n`);
      await write(`${ROW}\n`);
      break;
    }
    case 'wide-row':
      await write(`${HEADER}\n${ROW}\n`);
      await write(`${Array.from({ length: g.size }, (_, i) => `v${i}`).join(',')}\n`);
      await write(`${ROW}\n`);
      break;
  }
  sink.end();
  await once(file, 'close');
}

/** The records a giant file must give when it can be read: every non-header line once (lines 2..4). */
export function giantRecordLines(g: GiantCase): number[] | null {
  switch (g.kind) {
    case 'csv-row-line':
    case 'csv-row-line-gz':
    case 'wide-row':
      return [2, 3, 4];
    case 'ndjson-line':
      return [1, 2, 3];
    case 'csv-header-line':
    case 'wide-header':
    case 'wide-header-dupes':
      return null; // the header cannot fit the mapping: a clean input error is the only right answer
    case 'wide-header-generic':
      return null; // unknown columns: an input error too
  }
}

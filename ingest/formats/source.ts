import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform, pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { IngestInputError } from '../errors';

/** A file opened for streaming: decompressed bytes plus what was read of the file itself. */
export interface Source {
  /** the file's bytes, decompressed; a damaged gzip ends it with an IngestInputError, never an unhandled 'error' event */
  stream: AsyncIterable<Buffer>;
  gzip: boolean;
  /** size of the file on disk */
  size: number;
  mtimeMs: number;
  /** bytes of the file (compressed, where it is) consumed so far */
  bytesRead(): number;
  /** SHA-256 of the file's bytes; complete once the stream has ended */
  sha256(): string;
  /** releases the file (safe to call at any point, and twice) */
  close(): void;
}

// 256 KiB: bigger reads decode into strings too big for V8's young generation, which costs the parser a third more CPU.
const READ_CHUNK = 256 * 1024;

/** zlib's errors carry Z_* codes; they mean the file's compressed bytes are damaged, which no retry mends. */
function asInputError(err: unknown, label: string): unknown {
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code.startsWith('Z_')) {
    const what = code === 'Z_BUF_ERROR' ? 'it ends before its compressed data does (truncated)' : 'its compressed data is damaged';
    return new IngestInputError(`${label} is not a valid gzip file: ${what}`);
  }
  return err;
}

/**
 * Opens a file for streaming; gzip is detected by its magic bytes (1f 8b), not by the name. `label` is how
 * errors name the file (jobs pass the client's file name, never the server path).
 */
export async function openSource(path: string, label = path): Promise<Source> {
  let size: number;
  let mtimeMs: number;
  let head: Buffer;
  try {
    const st = await stat(path);
    if (!st.isFile()) throw new IngestInputError(`not a file: ${label}`);
    size = st.size;
    mtimeMs = st.mtimeMs;
    const fh = await open(path, 'r');
    try {
      head = Buffer.alloc(2);
      await fh.read(head, 0, 2, 0);
    } finally {
      await fh.close();
    }
  } catch (err) {
    if (err instanceof IngestInputError) throw err;
    throw new IngestInputError(`cannot read ${label}: ${(err as NodeJS.ErrnoException).code ?? 'I/O error'}`);
  }
  const gzip = size >= 2 && head[0] === 0x1f && head[1] === 0x8b;
  let bytes = 0;
  const hash = createHash('sha256');
  const tap = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      hash.update(chunk);
      done(null, chunk);
    },
  });
  const file = createReadStream(path, { highWaterMark: READ_CHUNK });
  // A gunzip can fail before anyone reads (the runner opens its batch first): the pipeline records the first
  // error and every stream keeps a listener, so nothing is ever an unhandled 'error' event that kills the
  // process; the iterator below rethrows it, mapped to an input error where the bytes are at fault.
  let failure: unknown = null;
  const record = (err: unknown): void => {
    failure ??= err;
  };
  const gunzip = gzip ? createGunzip({ chunkSize: 256 * 1024 }) : null;
  for (const s of [file, tap, gunzip]) s?.on('error', record);
  const done = (err: unknown): void => void (err && record(err));
  const piped: Readable = gunzip ? pipeline(file, tap, gunzip, done) : pipeline(file, tap, done);
  // A function, not the variable: TypeScript does not see the listeners' assignments between the checks.
  const failed = (): unknown => failure;
  async function* read(): AsyncGenerator<Buffer> {
    try {
      if (failed()) throw asInputError(failed(), label);
      for await (const chunk of piped) yield chunk as Buffer;
      if (failed()) throw asInputError(failed(), label);
    } catch (err) {
      throw asInputError(failed() ?? err, label);
    }
  }
  let digest: string | null = null;
  return {
    stream: read(),
    gzip,
    size,
    mtimeMs,
    bytesRead: () => bytes,
    sha256: () => (digest ??= hash.digest('hex')),
    close: () => {
      piped.destroy();
      file.destroy();
    },
  };
}

/** The format named by the file's extension (after any .gz), or null. */
export function formatFromName(path: string): 'csv' | 'ndjson' | null {
  const p = path.toLowerCase().replace(/\.gz$/, '');
  if (/\.(ndjson|jsonl|json)$/.test(p)) return 'ndjson';
  if (/\.(csv|tsv|txt|psv)$/.test(p)) return 'csv';
  return null;
}

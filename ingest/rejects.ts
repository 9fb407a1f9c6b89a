import { createReadStream } from 'node:fs';
import { mkdir, open, rename, stat, type FileHandle } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type { Rejection } from './reasons';

/** One line of a reject report (NDJSON). */
export interface RejectEntry {
  line: number;
  reason: string;
  detail: string;
  raw: string;
}

const MAX_RAW = 10000;
const FLUSH_BYTES = 1 << 20;

/**
 * The reject report of one batch: NDJSON, one rejected row per line, created on the first reject. Writes are
 * buffered; `flush()` hands them to the OS (the runner flushes before each checkpoint commits, so a resumed
 * batch's report holds every reject up to its checkpoint).
 */
export class RejectReport {
  readonly path: string;
  readonly byReason: Record<string, number>;
  private buf: string[] = [];
  private bytes = 0;
  private fh: FileHandle | null = null;
  private created: boolean;
  // The JSON between line and raw for the last Rejection seen (validators share fixed ones).
  private lastRejection: Rejection | null = null;
  private lastMiddle = '';

  private constructor(path: string, byReason: Record<string, number>, exists: boolean) {
    this.path = path;
    this.byReason = byReason;
    this.created = exists;
  }

  /** The report `name` under `dir` (a fresh one replaces any old file). When resuming, drops entries past the checkpoint and recounts the rest. */
  static async open(dir: string, name: string, resumeFromLine: number | null): Promise<RejectReport> {
    const path = resolve(join(dir, `${name}-rejects.ndjson`));
    await mkdir(resolve(dir), { recursive: true });
    const byReason: Record<string, number> = {};
    let exists = false;
    if (resumeFromLine !== null && (await stat(path).catch(() => null))) {
      exists = true;
      const tmp = `${path}.tmp`;
      const out = await open(tmp, 'w');
      try {
        const rl = createInterface({ input: createReadStream(path), crlfDelay: Infinity });
        let pending = '';
        for await (const l of rl) {
          if (l.length === 0) continue;
          let e: RejectEntry;
          try {
            e = JSON.parse(l) as RejectEntry;
          } catch {
            continue; // a torn last line from the killed attempt
          }
          if (e.line > resumeFromLine) continue;
          byReason[e.reason] = (byReason[e.reason] ?? 0) + 1;
          pending += `${l}\n`;
          if (pending.length > FLUSH_BYTES) {
            await out.write(pending);
            pending = '';
          }
        }
        await out.write(pending);
      } finally {
        await out.close();
      }
      await rename(tmp, path);
    }
    return new RejectReport(path, byReason, exists);
  }

  /** Whether any reject was ever written (the batch stores the path only then). */
  get used(): boolean {
    return this.created || this.bytes > 0;
  }

  /** Adds a rejected row; returns true when the buffer is big enough that the caller should `await flush()`. */
  add(line: number, r: Rejection, raw: string): boolean {
    this.byReason[r.reason] = (this.byReason[r.reason] ?? 0) + 1;
    const text = raw.length > MAX_RAW ? `${raw.slice(0, MAX_RAW)}…` : raw;
    if (r !== this.lastRejection) {
      this.lastRejection = r;
      this.lastMiddle = `,"reason":"${r.reason}","detail":${JSON.stringify(r.detail)},"raw":`;
    }
    const s = `{"line":${line}${this.lastMiddle}${JSON.stringify(text)}}\n`;
    this.buf.push(s);
    this.bytes += s.length;
    return this.bytes >= FLUSH_BYTES;
  }

  /** Writes buffered entries to the file. */
  async flush(): Promise<void> {
    if (this.buf.length === 0) return;
    const data = this.buf.join('');
    this.buf = [];
    this.bytes = 0;
    this.fh ??= await open(this.path, this.created ? 'a' : 'w');
    this.created = true;
    await this.fh.write(data);
  }

  /** Flushes and closes the file. */
  async close(): Promise<void> {
    await this.flush();
    await this.fh?.close();
    this.fh = null;
  }
}

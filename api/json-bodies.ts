import { createHash } from 'node:crypto';
import type { Response } from 'express';

/** A JSON answer serialised once: its bytes and its ETag. */
export interface JsonBody {
  bytes: Buffer;
  etag: string;
}

/** The bytes of `value` as Express's res.json writes them, with the weak ETag Express would give them. */
export function jsonBody(value: unknown): JsonBody {
  const text = JSON.stringify(value);
  // Its own allocation, not a slice of Buffer's shared 8 KB pool: a kept slice would keep its whole slab alive.
  const bytes = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  bytes.write(text, 'utf8');
  // Express's default (the etag package, weak): W/"<length in hex>-<SHA-1 in base64, 27 characters>".
  const hash = createHash('sha1').update(bytes).digest('base64').slice(0, 27);
  return { bytes, etag: `W/"${bytes.length.toString(16)}-${hash}"` };
}

/** Sends a serialised answer as res.json would (same headers, 304 for a matching If-None-Match, no body for HEAD). */
export function sendJsonBody(res: Response, body: JsonBody): void {
  res.setHeader('Content-Type', 'application/json; charset=utf-8');
  // Set before send(): Express then skips hashing the body again.
  res.setHeader('ETag', body.etag);
  res.send(body.bytes);
}

/**
 * Serialised answers of one process, least recently used first, bounded by their total bytes (0: none kept).
 * Builds for the same key at the same time share one build. The caller's keys carry the run the answer was
 * read from, and the serving cache clears this whenever it drops its entries (a publish).
 */
export class JsonBodies {
  private readonly entries = new Map<string, JsonBody>();
  private readonly building = new Map<string, Promise<JsonBody>>();
  private bytes = 0;
  /** bumped by clear(): a build that started before must not be stored after it */
  private generation = 0;
  readonly counters = { hits: 0, misses: 0 };

  constructor(private readonly maxBytes: number) {}

  /** The answer stored under `key`, or `build()`'s, serialised and kept. */
  async get(key: string, build: () => Promise<unknown>): Promise<JsonBody> {
    const found = this.entries.get(key);
    if (found) {
      this.counters.hits++;
      // Re-inserting moves the key to the young end of the Map's order.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    const pending = this.building.get(key);
    if (pending) return pending;
    this.counters.misses++;
    const generation = this.generation;
    const p = build().then(
      (value) => {
        this.building.delete(key);
        const body = jsonBody(value);
        if (generation === this.generation) this.store(key, body);
        return body;
      },
      (err: unknown) => {
        this.building.delete(key);
        throw err;
      },
    );
    this.building.set(key, p);
    return p;
  }

  /** Drops every answer (a run was published or the pointer changed). */
  clear(): void {
    this.generation++;
    this.entries.clear();
    this.building.clear();
    this.bytes = 0;
  }

  get size(): number {
    return this.entries.size;
  }

  private store(key: string, body: JsonBody): void {
    if (body.bytes.length > this.maxBytes) return;
    const old = this.entries.get(key);
    if (old) this.bytes -= old.bytes.length;
    this.entries.set(key, body);
    this.bytes += body.bytes.length;
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.entries().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value[0]);
      this.bytes -= oldest.value[1].bytes.length;
    }
  }
}

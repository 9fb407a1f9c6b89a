import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { publishedChannel } from '../jobs/client/publish-notice';
import type { Db } from '../db/knex';
import { publishedScores, type PublishedScores } from '../db/repositories/serving';
import { JsonBodies, type JsonBody } from './json-bodies';

/** How long the pointer to the live run is trusted while publish announcements arrive (a safety net only). */
const POINTER_TRUST_LISTENING_MS = 30_000;
/** ... and while they cannot (Redis down): a published run is then served within this long. */
const POINTER_TRUST_DEAF_MS = 1_000;

/**
 * Reads the new run's values for keys that were hot in the old one (`kind\u0000id` suffixes, without the run),
 * in a few batch queries: the cache then switches to the new run warm instead of sending every reader to MySQL.
 */
export type Warmer = (suffixes: string[], run: PublishedScores) => Promise<Map<string, unknown>>;

export interface ServingCacheStats {
  hits: number;
  misses: number;
  invalidations: number;
  /** entries carried over warm into newly published runs */
  warmed: number;
  entries: number;
  /** serialised answers held (see {@link ServingCache.body}) and how often one was reused or built */
  bodies: { entries: number; hits: number; misses: number };
  listening: boolean;
}

/**
 * The API's cache of published rows. Every entry is keyed by the run it was read from, so an entry can never
 * outlive its run's publication: when a run is published the worker announces it (jobs/client/publish-notice.ts), this
 * cache re-reads the pointer, reads the new run's rows for the keys that were hot (up to `warmKeys`, in batch
 * queries, see {@link Warmer}) while still serving the old run, then switches pointer and entries at once: the
 * next read sees the new run, warm. Misses for the same key share one MySQL query (no stampede after a publish).
 * While announcements cannot arrive (Redis down), the pointer is re-read every second and entries of an old run
 * are dropped when it changes. Entries are held in insertion-order LRU up to `maxEntries`
 * (0 = no caching: every read goes to MySQL).
 */
export class ServingCache {
  private pointer: { value: PublishedScores | null; at: number } | undefined;
  private pointerLoad: Promise<PublishedScores | null> | undefined;
  /** bumped by every invalidation: a pointer read that started before it must not be stored after it */
  private generation = 0;
  private listening = false;
  private readonly entries = new Map<string, unknown>();
  private readonly bodies: JsonBodies;
  private readonly inflight = new Map<string, Promise<unknown>>();
  private readonly counters = { hits: 0, misses: 0, invalidations: 0, warmed: 0 };
  private warmer: Warmer | undefined;
  private warmKeys = 0;
  private refreshing = false;
  private announcedAgain = false;

  constructor(
    private readonly db: Db,
    private readonly maxEntries: number,
    private readonly subscriber?: Redis,
    channel?: string,
    /** bytes of serialised answers kept besides the entries (0: none) */
    maxBodyBytes = 0,
  ) {
    // No cache means every read goes to MySQL: no answers kept either.
    this.bodies = new JsonBodies(maxEntries > 0 ? maxBodyBytes : 0);
    if (!subscriber || !channel) return;
    subscriber.on('message', (ch: string) => {
      if (ch === channel) this.onAnnouncement();
    });
    const listen = (): void => {
      subscriber.subscribe(channel).then(
        () => {
          // Announcements may have been missed while not subscribed: forget everything, then trust them again.
          this.invalidate();
          this.listening = true;
        },
        () => (this.listening = false),
      );
    };
    subscriber.on('ready', listen);
    subscriber.on('close', () => (this.listening = false));
    if (subscriber.status === 'ready') listen();
  }

  /** The live scoring run (null: nothing published yet). */
  async run(): Promise<PublishedScores | null> {
    const trust = this.listening ? POINTER_TRUST_LISTENING_MS : POINTER_TRUST_DEAF_MS;
    if (this.pointer && Date.now() - this.pointer.at < trust) return this.pointer.value;
    if (!this.pointerLoad) {
      const generation = this.generation;
      this.pointerLoad = publishedScores(this.db).then(
        (value) => {
          if (generation === this.generation) {
            if (this.pointer?.value?.runId !== value?.runId) this.clearEntries();
            this.pointer = { value, at: Date.now() };
          }
          this.pointerLoad = undefined;
          return value;
        },
        (err: unknown) => {
          this.pointerLoad = undefined;
          throw err;
        },
      );
    }
    return this.pointerLoad;
  }

  /** A cached value, or `load()`'s (one load per key at a time). */
  async get<T>(key: string, load: () => Promise<T>): Promise<T> {
    const found = await this.getMany<T>([key], async () => new Map([[key, await load()]]));
    return found.get(key) as T;
  }

  /**
   * Several keys at once: the cached ones from memory, those another caller is loading from its load, and all
   * the others in ONE `loadMissing` call (a batch read). `loadMissing` must return a value for every key given.
   */
  async getMany<T>(keys: readonly string[], loadMissing: (missing: string[]) => Promise<Map<string, T>>): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    const waits: Promise<unknown>[] = [];
    const missing: string[] = [];
    for (const k of new Set(keys)) {
      if (this.entries.has(k)) {
        this.counters.hits++;
        out.set(k, this.touch(k) as T);
        continue;
      }
      const pending = this.inflight.get(k) as Promise<T> | undefined;
      if (pending) waits.push(pending.then((v) => out.set(k, v)));
      else missing.push(k);
    }
    if (missing.length > 0) {
      this.counters.misses += missing.length;
      const batch = loadMissing(missing);
      for (const k of missing) {
        const p = batch.then(
          (loaded) => {
            const v = loaded.get(k) as T;
            this.inflight.delete(k);
            this.store(k, v);
            return v;
          },
          (err: unknown) => {
            this.inflight.delete(k);
            throw err;
          },
        );
        this.inflight.set(k, p);
        waits.push(p.then((v) => out.set(k, v)));
      }
    }
    await Promise.all(waits);
    return out;
  }

  /**
   * A whole answer, serialised once and kept (bounded by bytes): `key` must name the run it was read from and
   * every parameter the answer depends on; `build` reads and shapes it (through get/getMany, so a miss still
   * shares the MySQL reads). Dropped with the entries on every publish.
   */
  body(key: string, build: () => Promise<unknown>): Promise<JsonBody> {
    return this.bodies.get(key, build);
  }

  /** Sets how the hot keys of a run are read from the next one, and how many are carried over at most. */
  setWarmer(warmer: Warmer, warmKeys: number): void {
    this.warmer = warmer;
    this.warmKeys = warmKeys;
  }


  /** A publish was announced: switch to the new run warm (announcements during a switch queue one more). */
  onAnnouncement(): void {
    if (this.refreshing) {
      this.announcedAgain = true;
      return;
    }
    this.refreshing = true;
    this.switchRun()
      .catch(() => this.invalidate())
      .finally(() => {
        this.refreshing = false;
        if (this.announcedAgain) {
          this.announcedAgain = false;
          this.onAnnouncement();
        }
      });
  }

  /** Resolves when no switch is in progress (tests and benches wait on it). */
  async settled(): Promise<void> {
    while (this.refreshing) await new Promise((resolve) => setTimeout(resolve, 5));
  }

  private async switchRun(): Promise<void> {
    const generation = this.generation;
    const current = this.pointer?.value ?? null;
    const next = await publishedScores(this.db);
    if (!current || !next || !this.warmer || this.warmKeys <= 0 || next.runId === current.runId) {
      this.invalidate();
      return;
    }
    const prefix = `${current.runId}\u0000`;
    // The Map's order is least recently used first: carry over the most recent `warmKeys`.
    const hot = [...this.entries.keys()].filter((k) => k.startsWith(prefix)).slice(-this.warmKeys).map((k) => k.slice(prefix.length));
    const warmed = await this.warmer(hot, next);
    // Something else reset the cache meanwhile (a reconnect): its state wins over this switch.
    if (generation !== this.generation) return;
    this.invalidate();
    for (const [suffix, value] of warmed) this.store(`${next.runId}\u0000${suffix}`, value);
    this.counters.warmed += warmed.size;
    this.pointer = { value: next, at: Date.now() };
  }

  /** Forgets the pointer and every entry (a run was published). */
  invalidate(): void {
    this.generation++;
    this.counters.invalidations++;
    this.pointer = undefined;
    this.clearEntries();
  }

  private clearEntries(): void {
    this.entries.clear();
    this.bodies.clear();
  }

  stats(): ServingCacheStats {
    return { ...this.counters, entries: this.entries.size, bodies: { entries: this.bodies.size, ...this.bodies.counters }, listening: this.listening };
  }

  /** Stops listening (the caller owns and closes the subscriber connection). */
  close(): void {
    this.subscriber?.removeAllListeners('message');
    this.listening = false;
  }

  private touch(key: string): unknown {
    const v = this.entries.get(key);
    // Re-inserting moves the key to the young end of the Map's order: least recently used stays first.
    this.entries.delete(key);
    this.entries.set(key, v);
    return v;
  }

  private store(key: string, value: unknown): void {
    if (this.maxEntries <= 0) return;
    this.entries.set(key, value);
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done) break;
      this.entries.delete(oldest.value);
    }
  }
}

/** The cache with its own subscriber connection (a subscribed connection can do nothing else); close() releases it. */
export function openServingCache(config: Readonly<Config>, readDb: Db, redis: Redis): { cache: ServingCache; close(): void } {
  const subscriber = redis.duplicate();
  // Errors show as "not listening" (the pointer is then re-read every second); the API's own connection logs them.
  subscriber.on('error', () => undefined);
  const cache = new ServingCache(readDb, config.SERVING_CACHE_ENTRIES, subscriber, publishedChannel(config.QUEUE_PREFIX), config.SERVING_BODY_CACHE_MB * 1024 * 1024);
  return {
    cache,
    close() {
      cache.close();
      subscriber.disconnect();
    },
  };
}

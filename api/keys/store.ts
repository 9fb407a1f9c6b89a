import { timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { API_SCOPES, type ApiScope, type Config } from '../../config';
import type { Logger } from '../../config/logger';
import type { Db } from '../../db/knex';
import { activeApiKeys, type ActiveApiKey } from '../../db/repositories/api-keys';
import { createRedis } from '../../jobs/client/redis';
import { LastUseRecorder } from './last-use';
import { keyIdOf, matchesHash } from './secret';

/** The key a request was accepted with: never the secret itself. */
export interface AuthenticatedKey {
  /** a managed key's public id; `env:<n>` for the n-th API_KEYS entry */
  id: string;
  name: string;
  scopes: readonly ApiScope[];
  source: 'env' | 'db';
}

/** Finds the key a request presented, or undefined when it is not a valid key. */
export interface KeyLookup {
  find(presented: string): AuthenticatedKey | undefined;
}

/** The Redis channel the key tool publishes on after a create or revoke: every API process reloads at once. */
export const keysChangedChannel = (prefix: string): string => `${prefix}:api-keys:changed`;

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** API_KEYS (development and tests): compared in constant time, one by one. */
export function envKeyLookup(keys: Config['API_KEYS']): KeyLookup {
  const entries = keys.map((k, i) => ({ key: k.key, found: { id: `env:${i + 1}`, name: 'API_KEYS', scopes: k.scopes, source: 'env' as const } }));
  return {
    find: (presented) => entries.find((e) => same(e.key, presented))?.found,
  };
}

const isScope = (s: string): s is ApiScope => (API_SCOPES as readonly string[]).includes(s);

/**
 * The keys the API accepts: API_KEYS plus the managed keys of MySQL's `api_keys`, held in memory so a request
 * costs one SHA-256 and no query. reload() replaces the managed set from the read-only connection; a failed reload
 * keeps the last good set (a MySQL outage does not lock everyone out) and is logged once until it recovers.
 */
export class KeyStore implements KeyLookup {
  private managed = new Map<string, { hash: Buffer; key: AuthenticatedKey }>();
  private readonly env: KeyLookup;
  private readonly envCount: number;
  private running: Promise<void> | null = null;
  private again = false;
  private failing = false;
  /** when the managed set was last loaded (epoch ms; 0: never) */
  loadedAt = 0;

  constructor(
    envKeys: Config['API_KEYS'],
    private readonly load: () => Promise<ActiveApiKey[]>,
    private readonly log: Logger,
    private readonly lastUse?: LastUseRecorder,
  ) {
    this.env = envKeyLookup(envKeys);
    this.envCount = envKeys.length;
  }

  /** How many keys each source holds now. */
  counts(): { env: number; db: number } {
    return { env: this.envCount, db: this.managed.size };
  }

  /** Whether the managed key with this public id is loaded (monitoring and tests; records no use). */
  has(keyId: string): boolean {
    return this.managed.has(keyId);
  }

  find(presented: string): AuthenticatedKey | undefined {
    const id = keyIdOf(presented);
    const entry = id === null ? undefined : this.managed.get(id);
    if (entry && matchesHash(presented, entry.hash)) {
      this.lastUse?.touch(entry.key.id);
      return entry.key;
    }
    return this.env.find(presented);
  }

  /** Loads the managed keys again; calls made while one runs share one more run after it (none is lost). */
  reload(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = this.loadOnce().finally(() => {
      this.running = null;
      if (this.again) {
        this.again = false;
        void this.reload();
      }
    });
    return this.running;
  }

  /** Resolves once no reload is running. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async loadOnce(): Promise<void> {
    let rows: ActiveApiKey[];
    try {
      rows = await this.load();
    } catch (err) {
      if (!this.failing) this.log.warn({ err }, `API key table could not be read; keeping the ${this.managed.size} managed keys loaded before`);
      this.failing = true;
      return;
    }
    if (this.failing) this.log.info('API key table readable again');
    this.failing = false;
    const next = new Map<string, { hash: Buffer; key: AuthenticatedKey }>();
    for (const r of rows) {
      const scopes = r.scopes.filter(isScope);
      next.set(r.id, { hash: r.hash, key: { id: r.id, name: r.name, scopes, source: 'db' } });
    }
    const added = [...next.keys()].filter((k) => !this.managed.has(k)).length;
    const removed = [...this.managed.keys()].filter((k) => !next.has(k)).length;
    this.managed = next;
    this.loadedAt = Date.now();
    if (added > 0 || removed > 0) this.log.info({ keys: next.size, added, removed }, 'API keys reloaded');
  }
}

/** A running key store and what keeps it fresh; close() stops the timer and the subscription. */
export interface OpenKeyStore {
  store: KeyStore;
  close(): Promise<void>;
}

/** How long the API's start waits for the first load of the managed keys. */
const FIRST_LOAD_WAIT_MS = 3_000;

/**
 * Opens the API's key store: loads the managed keys through `readDb` (the SELECT-only user), then reloads them
 * every API_KEYS_RELOAD_SECONDS and at once when the key tool publishes on keysChangedChannel (a revoked key stops
 * working within milliseconds; the interval is the backstop for a lost message or a by-hand SQL change).
 * `redis` (the API's connection) records last use; the subscription needs a connection of its own.
 */
export async function openKeyStore(config: Readonly<Config>, readDb: Db, redis: Redis, log: Logger): Promise<OpenKeyStore> {
  const store = new KeyStore(config.API_KEYS, () => activeApiKeys(readDb), log, new LastUseRecorder(redis, config.QUEUE_PREFIX));
  // Serve with the keys loaded by then, but never hold the API's start for long on a slow or down MySQL.
  let waited: NodeJS.Timeout | undefined;
  await Promise.race([store.reload(), new Promise((resolve) => (waited = setTimeout(resolve, FIRST_LOAD_WAIT_MS)))]);
  clearTimeout(waited);
  const timer = setInterval(() => void store.reload(), config.API_KEYS_RELOAD_SECONDS * 1000);
  timer.unref();
  // A subscriber connection queues commands and reconnects forever (ioredis subscribes again by itself); after a
  // reconnect it reloads, since a message sent meanwhile is lost.
  const sub = createRedis(config.REDIS_URL, 'worker');
  sub.on('error', (err) => log.debug({ err }, 'key-change subscription: Redis error'));
  sub.on('ready', () => void store.reload());
  sub.on('message', () => void store.reload());
  // Not awaited: with Redis down it waits for the reconnect, and the API must start meanwhile.
  sub.subscribe(keysChangedChannel(config.QUEUE_PREFIX)).catch((err: unknown) => log.warn({ err }, 'could not subscribe to API key changes; relying on the reload interval'));
  return {
    store,
    async close() {
      clearInterval(timer);
      sub.disconnect();
      await store.idle(); // a reload in flight finishes before the caller closes the pool it reads through
    },
  };
}

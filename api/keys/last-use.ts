import type { Redis } from 'ioredis';

/** How often one API process writes a key's last use: a busy key costs one Redis write a minute, not one a request. */
export const LAST_USE_EVERY_MS = 60_000;

/** The sorted set (member: key id, score: epoch ms of the last use) shared by every API process. */
export const lastUseKey = (prefix: string): string => `${prefix}:api-keys:last-used`;

/**
 * Records managed keys' last use in Redis (the API never writes MySQL): at most once a minute per key and
 * process, with ZADD GT so a slower process never moves a time back. `npm run keys -- list` reads the set and
 * folds it into MySQL's `last_used_at`. Best effort: a Redis outage loses a minute of last-use, never a request.
 */
export class LastUseRecorder {
  private readonly sent = new Map<string, number>();
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
  ) {}

  touch(keyId: string, now = Date.now()): void {
    if (now - (this.sent.get(keyId) ?? 0) < LAST_USE_EVERY_MS) return;
    this.sent.set(keyId, now);
    this.redis.zadd(lastUseKey(this.prefix), 'GT', now, keyId).catch(() => this.sent.delete(keyId));
  }
}

/** Every key's last use as recorded in Redis (epoch ms by key id). */
export async function readLastUse(redis: Redis, prefix: string): Promise<Map<string, number>> {
  const flat = await redis.zrange(lastUseKey(prefix), 0, -1, 'WITHSCORES');
  const out = new Map<string, number>();
  for (let i = 0; i + 1 < flat.length; i += 2) out.set(flat[i] ?? '', Number(flat[i + 1]));
  return out;
}

/** Listed keys with their last use: the later of MySQL's folded time and Redis's live one. */
export function withLastUse<T extends { id: string; lastUsedAt: string | null }>(keys: readonly T[], uses: ReadonlyMap<string, number>): T[] {
  return keys.map((k) => {
    const live = uses.get(k.id);
    const stored = k.lastUsedAt === null ? 0 : Date.parse(k.lastUsedAt);
    return live !== undefined && live > stored ? { ...k, lastUsedAt: new Date(live).toISOString() } : k;
  });
}

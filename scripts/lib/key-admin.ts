import { Redis } from 'ioredis';
import { readLastUse, withLastUse } from '../../api/keys/last-use';
import { newKey } from '../../api/keys/secret';
import { keysChangedChannel } from '../../api/keys/store';
import { API_SCOPES, type ApiScope } from '../../config';
import type { Db } from '../../db/knex';
import { foldLastUse, insertApiKey, listApiKeys, revokeApiKey, type ApiKeyInfo } from '../../db/repositories/api-keys';

/** A mistake in what the operator asked for (exit code 2, with the usage). */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** The key tool's view of Redis: publish a change, read last use. Null when Redis is unreachable. */
export type ToolRedis = Redis | null;

/** Connects to Redis once, failing within seconds instead of retrying forever (the tool works without it). */
export async function connectToolRedis(url: string): Promise<ToolRedis> {
  const redis = new Redis(url, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 1, retryStrategy: () => null, enableOfflineQueue: false });
  redis.on('error', () => undefined); // reported by the caller as "Redis unreachable"
  try {
    await redis.connect();
    return redis;
  } catch {
    redis.disconnect();
    return null;
  }
}

/** A key's name: 1 to 100 printable characters (it shows in lists and logs). */
export function checkName(name: string | undefined): string {
  const n = (name ?? '').trim();
  if (!n) throw new UsageError('--name is required: what or who the key is for (e.g. shop-site, prometheus)');
  if (n.length > 100 || !/^[\p{L}\p{N} ._@:/+-]+$/u.test(n)) throw new UsageError('--name: 1 to 100 letters, digits, spaces or ._@:/+-');
  return n;
}

/** `read,jobs` → the scopes, each known, no repeats, at least one. */
export function checkScopes(list: string | undefined): ApiScope[] {
  const given = (list ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  if (given.length === 0) throw new UsageError(`--scopes is required: a comma list of ${API_SCOPES.join(', ')}`);
  const unknown = given.filter((s) => !(API_SCOPES as readonly string[]).includes(s));
  if (unknown.length > 0) throw new UsageError(`--scopes: unknown scope ${unknown.map((s) => `"${s.slice(0, 20)}"`).join(', ')}; one of ${API_SCOPES.join(', ')}`);
  return [...new Set(given)] as ApiScope[];
}

/** A managed key's id as `list` shows it: 16 hex characters. */
export function checkId(id: string | undefined): string {
  if (!id || !/^[0-9a-f]{16}$/.test(id)) throw new UsageError('revoke needs the key id as `list` shows it (16 hex characters)');
  return id;
}

/** Tells every API process to reload its keys now; false when Redis could not be told (they reload on their interval). */
async function announce(redis: ToolRedis, prefix: string, change: object): Promise<boolean> {
  if (!redis) return false;
  try {
    await redis.publish(keysChangedChannel(prefix), JSON.stringify(change));
    return true;
  } catch {
    return false;
  }
}

/** Creates a key: stores its hash, tells the API processes, returns the key itself (the only time it exists in clear). */
export async function createManagedKey(db: Db, redis: ToolRedis, prefix: string, name: string, scopes: readonly ApiScope[]): Promise<{ info: ApiKeyInfo; key: string; announced: boolean }> {
  const made = newKey();
  const info = await insertApiKey(db, { id: made.id, name, scopes, hash: made.hash });
  return { info, key: made.key, announced: await announce(redis, prefix, { created: made.id }) };
}

/** Revokes a key and tells the API processes (they drop it at once; within API_KEYS_RELOAD_SECONDS if Redis is down). */
export async function revokeManagedKey(db: Db, redis: ToolRedis, prefix: string, id: string): Promise<{ outcome: Awaited<ReturnType<typeof revokeApiKey>>; announced: boolean }> {
  const outcome = await revokeApiKey(db, id);
  // Announced even when it was revoked before: a process that missed that message reloads now.
  const announced = outcome === 'not found' ? false : await announce(redis, prefix, { revoked: id });
  return { outcome, announced };
}

/**
 * Every key without secrets, last use included: the API records use in Redis (it never writes MySQL); the tool
 * folds those times into MySQL's `last_used_at` here, so they outlive Redis, and lists the later of the two.
 */
export async function listManagedKeys(db: Db, redis: ToolRedis, prefix: string): Promise<{ keys: ApiKeyInfo[]; lastUseFromRedis: boolean }> {
  let uses = new Map<string, number>();
  let fromRedis = false;
  if (redis) {
    try {
      uses = await readLastUse(redis, prefix);
      fromRedis = true;
    } catch {
      fromRedis = false;
    }
  }
  if (uses.size > 0) await foldLastUse(db, uses);
  return { keys: withLastUse(await listApiKeys(db), uses), lastUseFromRedis: fromRedis };
}

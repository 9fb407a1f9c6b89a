import type { Db } from '../knex';
import { fromSqlTime, toSqlTime } from './sql-util';

/** A managed key as listed: never its secret or hash. Times are ISO strings. */
export interface ApiKeyInfo {
  id: string;
  name: string;
  scopes: string[];
  createdAt: string;
  revokedAt: string | null;
  /** as last folded in from Redis by the key tool (the live value is in Redis) */
  lastUsedAt: string | null;
}

/** What the API needs to check a presented key: the hash, and what the key may do. */
export interface ActiveApiKey {
  id: string;
  name: string;
  scopes: string[];
  hash: Buffer;
}

const iso = (v: unknown): string | null => (typeof v === 'string' ? new Date(fromSqlTime(v)).toISOString() : null);
const scopeList = (v: unknown): string[] => String(v).split(',').filter((s) => s.length > 0);

/** Stores a new key (its hash only); `createdAt` is returned as stored. */
export async function insertApiKey(db: Db, key: { id: string; name: string; scopes: readonly string[]; hash: Buffer }): Promise<ApiKeyInfo> {
  const now = Date.now();
  await db('api_keys').insert({ key_id: key.id, name: key.name, scopes: key.scopes.join(','), secret_sha256: key.hash, created_at: toSqlTime(now) });
  return { id: key.id, name: key.name, scopes: [...key.scopes], createdAt: new Date(now).toISOString(), revokedAt: null, lastUsedAt: null };
}

/** Every key, oldest first, without secrets. */
export async function listApiKeys(db: Db): Promise<ApiKeyInfo[]> {
  const rows = (await db('api_keys').select('key_id', 'name', 'scopes', 'created_at', 'revoked_at', 'last_used_at').orderBy([{ column: 'created_at' }, { column: 'key_id' }])) as Record<string, unknown>[];
  return rows.map((r) => ({
    id: String(r.key_id),
    name: String(r.name),
    scopes: scopeList(r.scopes),
    createdAt: iso(r.created_at) ?? '',
    revokedAt: iso(r.revoked_at),
    lastUsedAt: iso(r.last_used_at),
  }));
}

/** The keys that are not revoked, with their hashes: what the API loads (through the read-only user). */
export async function activeApiKeys(db: Db): Promise<ActiveApiKey[]> {
  const rows = (await db('api_keys').select('key_id', 'name', 'scopes', 'secret_sha256').whereNull('revoked_at')) as { key_id: string; name: string; scopes: string; secret_sha256: Buffer }[];
  return rows.map((r) => ({ id: r.key_id, name: r.name, scopes: scopeList(r.scopes), hash: Buffer.from(r.secret_sha256) }));
}

/** Revokes a key; says whether it was revoked now, had been already, or does not exist. */
export async function revokeApiKey(db: Db, id: string): Promise<'revoked' | 'already revoked' | 'not found'> {
  const changed = await db('api_keys').where({ key_id: id }).whereNull('revoked_at').update({ revoked_at: toSqlTime(Date.now()) });
  if (changed > 0) return 'revoked';
  const exists = (await db('api_keys').select('key_id').where({ key_id: id }).first()) as { key_id: string } | undefined;
  return exists ? 'already revoked' : 'not found';
}

/** Folds last-use times (epoch ms by key id) into MySQL; a stored time is never moved back. */
export async function foldLastUse(db: Db, uses: ReadonlyMap<string, number>): Promise<void> {
  for (const [id, ms] of uses) {
    const at = toSqlTime(ms);
    await db('api_keys')
      .where({ key_id: id })
      .update({ last_used_at: db.raw('GREATEST(COALESCE(last_used_at, ?), ?)', [at, at]) });
  }
}

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Managed API keys look like `si_<id>_<secret>`: `id` is 16 hex characters (8 random bytes), public, and finds the
 * key's row; `secret` is 32 random bytes in base64url (43 characters). MySQL stores only SHA-256 of the whole key.
 *
 * Why a plain SHA-256 and not bcrypt/scrypt/argon2: slow, salted hashes exist to make guessing *low-entropy*
 * passwords from a stolen hash expensive. A 256-bit random secret cannot be guessed however fast the hash is
 * (2^256 tries), so a slow hash would buy no security here and would cost milliseconds of CPU on every API request,
 * which the serving latency budget cannot afford. A salt is likewise unnecessary: no two keys share a secret, and
 * precomputed tables cannot cover a 256-bit space. This is the scheme GitHub and Stripe-style tokens use.
 * Hashing the whole string (id included) binds the secret to its id. Comparison is constant-time.
 */
export const KEY_PATTERN = /^si_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** SHA-256 of a presented key (32 bytes). */
export const hashKey = (key: string): Buffer => createHash('sha256').update(key, 'utf8').digest();

/** A new managed key: its public id, the full secret (shown once), and the hash to store. */
export function newKey(): { id: string; key: string; hash: Buffer } {
  const id = randomBytes(8).toString('hex');
  const key = `si_${id}_${randomBytes(32).toString('base64url')}`;
  return { id, key, hash: hashKey(key) };
}

/** The id of a presented key when it has the managed-key shape, else null (an API_KEYS key, or garbage). */
export function keyIdOf(presented: string): string | null {
  return KEY_PATTERN.exec(presented)?.[1] ?? null;
}

/** Whether `presented` hashes to `stored`, compared in constant time. */
export function matchesHash(presented: string, stored: Buffer): boolean {
  const h = hashKey(presented);
  return h.length === stored.length && timingSafeEqual(h, stored);
}

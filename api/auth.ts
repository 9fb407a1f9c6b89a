import { createHash } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import type { ApiScope, Config } from '../config';
import { ApiError } from './errors';
import { envKeyLookup, type AuthenticatedKey, type KeyLookup } from './keys/store';
import { addressKey, tooMany, type Limits } from './rate-limits';

/** The key a request presents: X-API-Key, `Authorization: Bearer KEY`, or Basic auth (the key as password, else as user name). */
export function presentedKey(req: Request): string | null {
  const header = req.header('x-api-key');
  if (header) return header;
  const auth = req.header('authorization') ?? '';
  if (auth.startsWith('Bearer ')) return auth.slice(7).trim() || null;
  // Basic auth lets a browser open Bull Board: the key goes in the password (or the user name).
  if (auth.startsWith('Basic ')) {
    const decoded = Buffer.from(auth.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    const user = colon < 0 ? decoded : decoded.slice(0, colon);
    const pass = colon < 0 ? '' : decoded.slice(colon + 1);
    return pass || user || null;
  }
  return null;
}

/** A key's id in rate-limit counters: never the key itself. */
const keyId = (key: string): string => createHash('sha256').update(key).digest('hex').slice(0, 24);

const BASIC_CHALLENGE = 'Basic realm="ShopIntent ops", charset="UTF-8"';
const UNAUTHORIZED = 'a valid API key is required (X-API-Key header or Authorization: Bearer)';

/** Routes a browser opens (Bull Board) get a Basic challenge with their 401. */
function unauthorized(res: Response, basicChallenge: boolean): ApiError {
  if (basicChallenge) res.setHeader('WWW-Authenticate', BASIC_CHALLENGE);
  return new ApiError(401, 'unauthorized', UNAUTHORIZED);
}

/**
 * The gate every route but the health checks passes: the per-address limit, the failed-key throttle (checked
 * before the key, so a brute force learns nothing once throttled), then the key itself and its per-key limit.
 * A valid key is left in res.locals for requireScope; a wrong key is a 401 here, counted against the address.
 */
export function authenticate(keys: KeyLookup, limits: Limits, basicChallengeUnder: string): RequestHandler {
  return async (req, res, next) => {
    const address = addressKey(req.ip);
    const presented = presentedKey(req);
    const id = presented === null ? null : keyId(presented);
    // One Redis call for all three counters (shared with the other requests of this event-loop turn).
    const { addressWait, failures, keyWait } = await limits.gate.check(address, id, presented !== null);
    if (addressWait > 0) {
      next(tooMany(res, addressWait, 'too many requests from this address; retry later'));
      return;
    }
    const budget = limits.authFailures?.limit.points ?? 0;
    if (budget > 0 && failures.points >= budget) {
      next(tooMany(res, failures.msLeft, 'too many invalid API keys from this address; retry later'));
      return;
    }
    res.locals.authChecked = true;
    if (presented === null) {
      next();
      return;
    }
    const match = keys.find(presented);
    if (!match) {
      // Counted atomically: however many guesses arrive at once, only the first `budget` of a window get a 401.
      const wait = limits.authFailures ? await limits.authFailures.take(address) : 0;
      next(wait > 0 ? tooMany(res, wait, 'too many invalid API keys from this address; retry later') : unauthorized(res, req.originalUrl.toLowerCase().startsWith(basicChallengeUnder)));
      return;
    }
    if (keyWait > 0) {
      next(tooMany(res, keyWait, 'too many requests with this API key; retry later'));
      return;
    }
    res.locals.apiKey = match;
    res.locals.apiKeyId = id;
    next();
  };
}

/** The key authenticate() accepted for this request, if any (its id, name and scopes; never the secret). */
export function requestKey(res: Response): AuthenticatedKey | undefined {
  return res.locals.apiKey as AuthenticatedKey | undefined;
}

/**
 * Requires an API key holding `scope` (or any of several); 401 without a valid key, 403 without the scope. Behind
 * authenticate() (every route of the app) the key is already known; `keys` is only for a router mounted without it.
 */
export function requireScope(keys: KeyLookup | Config['API_KEYS'], scope: ApiScope | readonly ApiScope[], opts: { basicChallenge?: boolean } = {}): RequestHandler {
  const lookup = Array.isArray(keys) ? envKeyLookup(keys) : keys;
  const wanted: readonly ApiScope[] = typeof scope === 'string' ? [scope] : scope;
  const lacking = `this API key lacks the ${wanted.map((s) => `"${s}"`).join(' or ')} scope`;
  return (req, res, next) => {
    let match = requestKey(res);
    if (!match && res.locals.authChecked !== true) {
      const key = presentedKey(req);
      match = key === null ? undefined : lookup.find(key);
      res.locals.apiKey = match;
    }
    if (!match) {
      next(unauthorized(res, opts.basicChallenge === true));
      return;
    }
    if (!wanted.some((s) => match.scopes.includes(s))) {
      next(new ApiError(403, 'forbidden', lacking));
      return;
    }
    next();
  };
}

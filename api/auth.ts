import { timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { ApiScope, Config } from '../config';
import { ApiError } from './errors';

function presentedKey(req: Request): string | null {
  const header = req.header('x-api-key');
  if (header) return header;
  const auth = req.header('authorization') ?? '';
  if (auth.startsWith('Bearer ')) return auth.slice(7).trim();
  // Basic auth lets a browser open Bull Board: the key goes in the password (or the user name).
  if (auth.startsWith('Basic ')) {
    const [user, pass] = Buffer.from(auth.slice(6), 'base64').toString('utf8').split(':');
    return pass || user || null;
  }
  return null;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Requires an API key holding `scope` (X-API-Key, Bearer, or Basic); 401 without a valid key, 403 without the scope. */
export function requireScope(keys: Config['API_KEYS'], scope: ApiScope, opts: { basicChallenge?: boolean } = {}): RequestHandler {
  return (req, res, next) => {
    const key = presentedKey(req);
    const match = key === null ? undefined : keys.find((k) => same(k.key, key));
    if (!match) {
      if (opts.basicChallenge) res.setHeader('WWW-Authenticate', 'Basic realm="ShopIntent ops", charset="UTF-8"');
      next(new ApiError(401, 'unauthorized', 'a valid API key is required (X-API-Key header or Authorization: Bearer)'));
      return;
    }
    if (!match.scopes.includes(scope)) {
      next(new ApiError(403, 'forbidden', `this API key lacks the "${scope}" scope`));
      return;
    }
    next();
  };
}

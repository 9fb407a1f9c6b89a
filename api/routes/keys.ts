import { Router } from 'express';
import type { Redis } from 'ioredis';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { listApiKeys } from '../../db/repositories/api-keys';
import { requireScope } from '../auth';
import { readLastUse, withLastUse } from '../keys/last-use';
import type { KeyLookup } from '../keys/store';

/**
 * GET /v1/keys (`admin` scope): the managed keys without secrets (id, name, scopes, created, revoked, last used).
 * Creating and revoking are writes, so they belong to `npm run keys`, never to the API.
 */
export function keysRouter(config: Readonly<Config>, keys: KeyLookup, readDb: Db, redis: Redis): Router {
  const r = Router();
  r.get('/v1/keys', requireScope(keys, 'admin'), async (_req, res) => {
    const [listed, uses] = await Promise.all([listApiKeys(readDb), readLastUse(redis, config.QUEUE_PREFIX)]);
    res.json({ keys: withLastUse(listed, uses) });
  });
  return r;
}

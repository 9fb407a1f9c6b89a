import type { Router } from 'express';
import { z } from 'zod';
import type { Redis } from 'ioredis';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { listApiKeys } from '../../db/repositories/api-keys';
import { requireScope } from '../auth';
import { readLastUse, withLastUse } from '../keys/last-use';
import type { KeyLookup } from '../keys/store';
import { contractRouter, jsonResponse, timestamp } from '../openapi/contract';

const keyInfo = z.object({
  id: z.string(), name: z.string(), scopes: z.array(z.string()), createdAt: timestamp, revokedAt: timestamp.nullable(), lastUsedAt: timestamp.nullable(),
}).meta({ id: 'ApiKeyInfo' });

/**
 * GET /v1/keys (`admin` scope): the managed keys without secrets (id, name, scopes, created, revoked, last used).
 * Creating and revoking are writes, so they belong to `npm run keys`, never to the API.
 */
export function keysRouter(config: Readonly<Config>, keys: KeyLookup, readDb: Db, redis: Redis): Router {
  const r = contractRouter([{
    method: 'get', path: '/v1/keys', summary: 'The managed API keys, without secrets', tags: ['ops'], scope: 'admin',
    responses: {
      200: jsonResponse('every managed key, revoked ones included', z.object({ keys: z.array(keyInfo) }), {
        keys: [{ id: '3f9a0c2d5e7b1a44', name: 'site', scopes: ['read'], createdAt: '2024-05-01T02:10:00.000Z', revokedAt: null, lastUsedAt: '2024-05-02T08:00:00.000Z' }],
      }),
    },
  }]);
  r.get('/v1/keys', requireScope(keys, 'admin'), async (_req, res) => {
    const [listed, uses] = await Promise.all([listApiKeys(readDb), readLastUse(redis, config.QUEUE_PREFIX)]);
    res.json({ keys: withLastUse(listed, uses) });
  });
  return r;
}

import type { Router } from 'express';
import { z } from 'zod';
import { API_SCOPES } from '../../config/schema';
import { requestKey } from '../auth';
import { ApiError } from '../errors';
import { contractRouter, jsonResponse } from '../openapi/contract';

const whoami = z.object({
  keyId: z.string().meta({ description: 'a managed key\'s public id, or env:<n> for the n-th API_KEYS entry' }),
  name: z.string(),
  scopes: z.array(z.enum(API_SCOPES)),
}).meta({ id: 'WhoAmI' });

/**
 * GET /v1/whoami: the presented key's id, name and scopes (any valid key). Clients check a key with it; being a
 * constant answer behind the same key check, limits, logging and metrics as every /v1 route, it is also the
 * serving bench's yardstick for what a route costs before its own work.
 */
export function whoamiRouter(): Router {
  const r = contractRouter([{
    method: 'get', path: '/v1/whoami', summary: 'The presented API key: id, name and scopes', tags: ['ops'], scope: 'read',
    responses: { 200: jsonResponse('the key (never its secret)', whoami, { keyId: '3f9a0c2d5e7b1a44', name: 'site', scopes: ['read'] }) },
  }]);
  r.get('/v1/whoami', (_req, res) => {
    const key = requestKey(res);
    if (!key) throw new ApiError(401, 'unauthorized', 'an API key is required');
    res.json({ keyId: key.id, name: key.name, scopes: key.scopes });
  });
  return r;
}

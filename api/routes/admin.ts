import type { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import { describeIssues } from '../../config/errors';
import type { Queues } from '../../jobs/client/queues';
import { waitForOutcome } from '../../jobs/client/status';
import { requireScope } from '../auth';
import { ApiError, badRequest } from '../errors';
import { contractRouter, errorResponse, jsonBody, jsonResponse, type RouteSpec } from '../openapi/contract';
import { newSuffix } from './jobs';

const activateParams = z.object({ version: z.coerce.number().int().positive().meta({ description: 'a registered model version', example: 6 }) });
const activateBody = z.object({ reason: z.string().trim().max(500).optional().meta({ description: 'kept in the registry; "activated through the API" when absent' }) });
const jobId = z.string().meta({ example: 'activate-model-lvq3k2a1-9f8e7d6c' });

export const adminRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: '/v1/models/{version}/activate',
    summary: 'Make a registered model version the active one (rollback or roll forward)',
    description: 'A worker does it (the API never writes MySQL); the API waits up to 10 s for its answer, then answers 202 with the job to follow.',
    tags: ['models'],
    scope: 'ops',
    request: { params: activateParams, body: jsonBody(activateBody, { reason: 'v7 over-recommends gift cards; back to v6' }, false) },
    responses: {
      200: jsonResponse('activated', z.object({ jobId, version: z.number().int(), active: z.literal(true) }), { jobId: 'activate-model-lvq3k2a1-9f8e7d6c', version: 6, active: true }),
      202: jsonResponse('no worker answered within 10 s: follow the job', z.object({ jobId, status: z.string() }), { jobId: 'activate-model-lvq3k2a1-9f8e7d6c', status: '/v1/jobs/activate-model-lvq3k2a1-9f8e7d6c' }),
      400: errorResponse('a bad version or reason', 'bad_request', 'version: must be a positive integer'),
      404: errorResponse('no such version', 'not_found', 'model version 99 does not exist'),
      409: errorResponse('the worker could not activate it', 'activation_failed', 'model version 6 could not be activated'),
      415: errorResponse('a body that is not JSON', 'unsupported_media_type', 'send the payload as Content-Type: application/json (got text/plain)'),
    },
  },
];

/**
 * Ops routes. Activation is a write, and the API never writes MySQL: it enqueues an `activate-model` job and
 * waits briefly for the worker's answer (202 with the job id if no worker answers in time).
 */
export function adminRouter(config: Readonly<Config>, queues: Queues): Router {
  const r = contractRouter(adminRoutes);
  r.post('/v1/models/:version/activate', requireScope(config.API_KEYS, 'ops'), async (req, res) => {
    const params = activateParams.safeParse(req.params);
    if (!params.success) throw badRequest('version: must be a positive integer');
    const { version } = params.data;
    const body = activateBody.safeParse(req.body ?? {});
    if (!body.success) throw badRequest(describeIssues(body.error.issues));
    const reason = body.data.reason || 'activated through the API';
    const id = await queues.add('activate-model', { version, reason }, newSuffix());
    const outcome = await waitForOutcome(queues, id, 10_000);
    switch (outcome.state) {
      case 'completed':
        res.json({ jobId: id, ...(outcome.result as object) });
        return;
      case 'pending':
        res.status(202).json({ jobId: id, status: `/v1/jobs/${id}` });
        return;
      case 'failed':
        if (/does not exist/.test(outcome.error)) throw new ApiError(404, 'not_found', outcome.error);
        throw new ApiError(409, 'activation_failed', outcome.error);
    }
  });
  return r;
}

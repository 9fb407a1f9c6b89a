import { Router } from 'express';
import type { Config } from '../../config';
import type { Queues } from '../../jobs/queues';
import { waitForOutcome } from '../../jobs/status';
import { requireScope } from '../auth';
import { ApiError, badRequest } from '../errors';
import { newSuffix } from './jobs';

/**
 * Ops routes. Activation is a write, and the API never writes MySQL: it enqueues an `activate-model` job and
 * waits briefly for the worker's answer (202 with the job id if no worker answers in time).
 */
export function adminRouter(config: Readonly<Config>, queues: Queues): Router {
  const r = Router();
  r.post('/v1/models/:version/activate', requireScope(config.API_KEYS, 'ops'), async (req, res) => {
    const version = Number(req.params.version);
    if (!Number.isInteger(version) || version <= 0) throw badRequest('version: must be a positive integer');
    const body = (req.body ?? {}) as { reason?: unknown };
    const reason = typeof body.reason === 'string' && body.reason.trim() ? body.reason.slice(0, 500) : 'activated through the API';
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

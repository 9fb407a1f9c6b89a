import { Router } from 'express';
import { QueueEvents } from 'bullmq';
import type { Config } from '../../config';
import { QUEUE_OF } from '../../jobs/catalogue';
import type { Queues } from '../../jobs/queues';
import { createRedis } from '../../jobs/redis';
import { requireScope } from '../auth';
import { ApiError, badRequest } from '../errors';
import { newSuffix } from './jobs';

/**
 * Ops routes. Activation is a write, and the API never writes MySQL: it enqueues an `activate-model` job and
 * waits briefly for the worker's answer (202 with the job id if the worker is slow).
 */
export function adminRouter(config: Readonly<Config>, queues: Queues): { router: Router; close: () => Promise<void> } {
  const r = Router();
  let events: QueueEvents | undefined;
  let eventsConnection: ReturnType<typeof createRedis> | undefined;

  r.post('/v1/models/:version/activate', requireScope(config.API_KEYS, 'ops'), async (req, res) => {
    const version = Number(req.params.version);
    if (!Number.isInteger(version) || version <= 0) throw badRequest('version: must be a positive integer');
    const body = (req.body ?? {}) as { reason?: unknown };
    const reason = typeof body.reason === 'string' ? body.reason.slice(0, 500) : `activated through the API`;
    eventsConnection ??= createRedis(config.REDIS_URL, 'worker');
    events ??= new QueueEvents(QUEUE_OF['activate-model'], { connection: eventsConnection, prefix: config.QUEUE_PREFIX });
    await events.waitUntilReady();
    const id = await queues.add('activate-model', { version, reason }, newSuffix());
    const job = await queues.queueFor('activate-model').getJob(id);
    if (!job) throw new Error(`job ${id} vanished`);
    try {
      const result: unknown = await job.waitUntilFinished(events, 15_000);
      res.json({ jobId: id, ...(result as object) });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      if (/timed out/i.test(message)) {
        res.status(202).json({ jobId: id, status: `/v1/jobs/${id}` });
        return;
      }
      throw new ApiError(/does not exist/.test(message) ? 404 : 409, /does not exist/.test(message) ? 'not_found' : 'activation_failed', message);
    }
  });
  return {
    router: r,
    close: async () => {
      await events?.close();
      eventsConnection?.disconnect();
    },
  };
}

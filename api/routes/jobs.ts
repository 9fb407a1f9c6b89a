import { randomUUID } from 'node:crypto';
import { Router } from 'express';
import type { Config } from '../../config';
import { PUBLIC_JOBS, describeIssues, parsePayload, type JobName } from '../../jobs/catalogue';
import { nightlyFlow } from '../../jobs/flows';
import type { Queues } from '../../jobs/queues';
import { getJobStatus } from '../../jobs/status';
import { requireScope } from '../auth';
import { badRequest, notFound } from '../errors';

/** A job-id suffix that sorts by time and never collides. */
export const newSuffix = (): string => `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;

/** Enqueue jobs and pipelines, and read their state. */
export function jobsRouter(config: Readonly<Config>, queues: Queues): Router {
  const r = Router();
  const jobsScope = requireScope(config.API_KEYS, 'jobs');

  r.post('/v1/jobs/:type', jobsScope, async (req, res) => {
    const type = String(req.params.type);
    if (!(PUBLIC_JOBS as readonly string[]).includes(type)) throw notFound(`unknown job type "${type}"; one of ${PUBLIC_JOBS.join(', ')}`);
    const name = type as JobName;
    const parsed = parsePayload(name, req.body ?? {});
    if (!parsed.success) throw badRequest(`invalid ${name} payload: ${describeIssues(parsed.error.issues)}`);
    const id = await queues.add(name, parsed.data, newSuffix());
    res.status(202).json({ id, type: name, status: `/v1/jobs/${id}` });
  });

  r.get('/v1/jobs/:id', requireScope(config.API_KEYS, 'read'), async (req, res) => {
    const status = await getJobStatus(queues, String(req.params.id));
    if (!status) throw notFound(`no job "${String(req.params.id)}"`);
    res.json(status);
  });

  r.post('/v1/pipelines/nightly', jobsScope, async (req, res) => {
    const parsed = parsePayload('nightly-pipeline', req.body ?? {});
    if (!parsed.success) throw badRequest(`invalid pipeline payload: ${describeIssues(parsed.error.issues)}`);
    const tree = await queues.flows.add(nightlyFlow(parsed.data, newSuffix()));
    const ids: string[] = [];
    for (let node: typeof tree | undefined = tree; node; node = node.children?.[0]) if (node.job.id) ids.push(node.job.id);
    res.status(202).json({ id: tree.job.id, steps: ids.reverse(), status: `/v1/jobs/${tree.job.id ?? ''}` });
  });
  return r;
}

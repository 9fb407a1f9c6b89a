import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import { PUBLIC_JOBS, parsePayload, payloadSchemas, type JobInput, type JobName } from '../../jobs/catalogue';
import { describeIssues } from '../../config/errors';
import { nightlyFlow } from '../../jobs/client/flows';
import type { Queues } from '../../jobs/client/queues';
import { getJobStatus } from '../../jobs/client/status';
import { requireScope } from '../auth';
import { badRequest, notFound } from '../errors';
import { contractRouter, errorResponse, jsonBody, jsonResponse, timestamp, type RouteSpec } from '../openapi/contract';

/** A job-id suffix that sorts by time and never collides. */
export const newSuffix = (): string => `${Date.now().toString(36)}-${randomUUID().slice(0, 8)}`;

const jobId = z.string().meta({ description: '`<job name>-<suffix>`', example: 'train-lvq3k2a1-9f8e7d6c' });
const enqueued = z.object({ id: jobId, type: z.enum(PUBLIC_JOBS), status: z.string().meta({ description: 'where to follow it' }) }).meta({ id: 'EnqueuedJob' });
const jobStatus = z
  .object({
    id: jobId,
    name: z.string(),
    state: z.string().meta({ description: "BullMQ's state (waiting, active, completed, failed, delayed, waiting-children, …), or stalled: its worker died and it waits to be taken again" }),
    progress: z.unknown().meta({ description: 'a percentage or an object with one' }),
    attemptsMade: z.number().int(),
    result: z.unknown().meta({ description: "the job's result once completed, else null" }),
    error: z.string().nullable(),
    createdAt: timestamp,
    finishedAt: timestamp.nullable(),
  })
  .meta({ id: 'JobStatus' });
const pipeline = z.object({ id: jobId, steps: z.array(jobId).meta({ description: 'job ids in execution order' }), status: z.string() }).meta({ id: 'Pipeline' });

/** One example payload per public job: a new public job does not type-check without one. */
const PAYLOAD_EXAMPLES: { [K in (typeof PUBLIC_JOBS)[number]]: JobInput<K> } = {
  ingest: { file: 'lvq3k2a1-9f8e7d6c-events.csv', dir: 'uploads', mapping: 'generic', entity: 'events' },
  preprocess: { excludedItemIds: ['POST', 'DOT'] },
  train: { horizonDays: 30, k: 20 },
  'score-all-users': { k: 20 },
  segment: { segments: 6 },
};

const badPayload = (example: string) => errorResponse('the payload is invalid: each bad field named', 'bad_request', example);

/** One operation per public job (each with its own payload schema) for the one route POST /v1/jobs/:type. */
export const jobsRoutes: RouteSpec[] = [
  ...PUBLIC_JOBS.map((type): RouteSpec => ({
    method: 'post',
    path: `/v1/jobs/${type}`,
    summary: `Enqueue a ${type} job`,
    tags: ['jobs'],
    scope: 'jobs',
    request: { body: jsonBody(payloadSchemas[type], PAYLOAD_EXAMPLES[type], type === 'ingest') },
    responses: {
      202: jsonResponse('enqueued', enqueued, { id: `${type}-lvq3k2a1-9f8e7d6c`, type, status: `/v1/jobs/${type}-lvq3k2a1-9f8e7d6c` }),
      400: badPayload(`invalid ${type} payload: k: Invalid input: expected number, received string`),
      415: errorResponse('a body that is not JSON', 'unsupported_media_type', 'send the payload as Content-Type: application/json (got text/plain)'),
    },
  })),
  {
    method: 'get',
    path: '/v1/jobs/{id}',
    summary: "A job's state, progress and result or error",
    tags: ['jobs'],
    scope: 'read',
    request: { params: z.object({ id: jobId }) },
    responses: {
      200: jsonResponse('the job', jobStatus, {
        id: 'train-lvq3k2a1-9f8e7d6c', name: 'train', state: 'completed', progress: 100, attemptsMade: 1, result: { version: 7, promoted: true },
        error: null, createdAt: '2024-05-01T02:00:00.000Z', finishedAt: '2024-05-01T02:01:03.000Z',
      }),
      404: errorResponse('no such job (or removed after its retention)', 'not_found', 'no job "train-lvq3k2a1-9f8e7d6c"'),
    },
  },
  {
    method: 'post',
    path: '/v1/pipelines/nightly',
    summary: 'Add the nightly flow now: [ingest →] preprocess → train → score-all-users → segment',
    tags: ['jobs'],
    scope: 'jobs',
    request: { body: jsonBody(payloadSchemas['nightly-pipeline'], { withIngest: { file: 'online-retail/online-retail.csv.gz', dir: 'imports', mapping: 'uci-online-retail' } }, false) },
    responses: {
      202: jsonResponse('the flow was added', pipeline, {
        id: 'segment-lvq3k2a1-9f8e7d6c',
        steps: ['preprocess-lvq3k2a1-9f8e7d6c', 'train-lvq3k2a1-9f8e7d6c', 'score-all-users-lvq3k2a1-9f8e7d6c', 'segment-lvq3k2a1-9f8e7d6c'],
        status: '/v1/jobs/segment-lvq3k2a1-9f8e7d6c',
      }),
      400: badPayload('invalid pipeline payload: withIngest.dir: Invalid option: expected one of "uploads"|"imports"'),
      415: errorResponse('a body that is not JSON', 'unsupported_media_type', 'send the payload as Content-Type: application/json (got text/plain)'),
    },
  },
];

/** Enqueue jobs and pipelines, and read their state. */
export function jobsRouter(config: Readonly<Config>, queues: Queues): Router {
  const r = contractRouter(jobsRoutes);
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

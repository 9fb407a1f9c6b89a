import type { Request, Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { getIntent, getRecommendations, getSegmentMembers, listSegments } from '../../db/repositories/serving';
import { listModels } from '../../db/repositories/models';
import { describeIssues } from '../../jobs/catalogue';
import { requireScope } from '../auth';
import { badRequest, notFound } from '../errors';
import { contractRouter, errorResponse, jsonResponse, timestamp, type RouteSpec } from '../openapi/contract';

const idParam = z.string().min(1).max(64);

// Request schemas: the handlers validate with these, and the contract below is generated from them.
const userParams = z.object({ id: idParam.meta({ description: "the shop's customer id", example: '17850' }) });
const segmentParams = z.object({ id: idParam.meta({ description: 'a segment id from GET /v1/segments', example: 'champions' }) });
const recQuery = (topK: number) =>
  z.object({
    list: z.enum(['for-you', 'discover']).default('for-you').meta({ description: 'for-you (reorders allowed) or discover (never bought before)' }),
    limit: z.coerce.number().int().min(1).max(100).default(topK),
  });
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(1000).default(100), after: z.string().max(64).optional().meta({ description: 'the cursor: the last user id of the previous page' }) });

function query<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw badRequest(describeIssues(parsed.error.issues));
  return parsed.data;
}

function param(req: Request, name: string): string {
  const parsed = idParam.safeParse(req.params[name]);
  if (!parsed.success) throw badRequest(`${name}: must be 1 to 64 characters`);
  return parsed.data;
}

// Response schemas (documentation: test/integration/openapi.test.ts checks real answers against them).
const runId = z.number().int().meta({ description: 'the published scoring run', example: 42 });
const modelVersion = z.number().int().nullable().meta({ description: 'the model version that produced the run', example: 7 });
const recommendation = z
  .object({
    rank: z.number().int().min(1),
    itemId: z.string(),
    title: z.string().nullable(),
    score: z.number(),
    reason: z.string().meta({ description: 'bought-before, bought-with, popular-in-category, trending, …' }),
    reasonItemId: z.string().nullable().meta({ description: 'the item behind a bought-with reason' }),
  })
  .meta({ id: 'Recommendation' });
const recommendations = z.object({ userId: z.string(), list: z.enum(['for-you', 'discover']), runId, modelVersion, publishedAt: timestamp, items: z.array(recommendation) }).meta({ id: 'Recommendations' });
const intent = z
  .object({ userId: z.string(), probability: z.number().min(0).max(1).meta({ description: 'P(buys within horizonDays), calibrated' }), horizonDays: z.number().int(), runId, modelVersion, publishedAt: timestamp })
  .meta({ id: 'Intent' });
const segment = z.object({ segmentId: z.string(), label: z.string(), description: z.string(), size: z.number().int().min(0), profile: z.record(z.string(), z.unknown()) }).meta({ id: 'Segment' });
const segments = z.object({ runId: runId.nullable(), publishedAt: timestamp.optional(), segments: z.array(segment) }).meta({ id: 'Segments' });
const members = z.object({ segment, runId, userIds: z.array(z.string()), next: z.string().nullable().meta({ description: 'the next page, null on the last' }) }).meta({ id: 'SegmentMembers' });
const json = z.record(z.string(), z.unknown());
const model = z
  .object({
    version: z.number().int(),
    kind: z.string(),
    status: z.enum(['active', 'inactive']),
    backend: z.string(),
    params: json,
    dataWindow: json,
    metrics: json,
    baselines: json,
    decision: z.string().meta({ description: 'why it was (or was not) promoted' }),
    trainSeconds: z.number(),
    artifactBytes: z.number().int(),
    createdAt: timestamp,
    activatedAt: timestamp.nullable(),
  })
  .meta({ id: 'Model' });

const SEGMENT_EXAMPLE = { segmentId: 'champions', label: 'Champions', description: 'bought recently, often and for a lot', size: 412, profile: { recencyDays: 9, frequency: 14, monetary: 5120.5 } };
const PUBLISHED = { runId: 42, modelVersion: 7, publishedAt: '2024-05-01T02:14:07.000Z' };
const badParam = (message: string) => errorResponse('a bad parameter, named', 'bad_request', message);

/** The contract of these routes (see api/openapi/contract.ts), with the query schema the handler uses. */
const servingRoutes = (recQueryOf: ReturnType<typeof recQuery>): RouteSpec[] => [
  {
    method: 'get',
    path: '/v1/users/{id}/recommendations',
    summary: "A customer's published top-K list",
    tags: ['serving'],
    scope: 'read',
    request: { params: userParams, query: recQueryOf },
    responses: {
      200: jsonResponse('the list, best first, with its run and model version', recommendations, {
        userId: '17850', list: 'for-you', ...PUBLISHED,
        items: [{ rank: 1, itemId: '85123A', title: 'WHITE HANGING HEART T-LIGHT HOLDER', score: 0.91, reason: 'bought-before', reasonItemId: null }],
      }),
      400: badParam('limit: Too big: expected number to be <=100'),
      404: errorResponse('nothing published for this customer', 'not_found', 'no published for-you recommendations for user "17850"'),
    },
  },
  {
    method: 'get',
    path: '/v1/users/{id}/intent',
    summary: "A customer's published purchase probability",
    tags: ['serving'],
    scope: 'read',
    request: { params: userParams },
    responses: {
      200: jsonResponse('the probability with its horizon, run and model version', intent, { userId: '17850', probability: 0.62, horizonDays: 30, ...PUBLISHED }),
      400: badParam('id: must be 1 to 64 characters'),
      404: errorResponse('nothing published for this customer', 'not_found', 'no published intent score for user "17850"'),
    },
  },
  {
    method: 'get',
    path: '/v1/segments',
    summary: 'The published segments, largest first',
    tags: ['serving'],
    scope: 'read',
    responses: { 200: jsonResponse('the segments (runId null and none before the first publish)', segments, { runId: 43, publishedAt: PUBLISHED.publishedAt, segments: [SEGMENT_EXAMPLE] }) },
  },
  {
    method: 'get',
    path: '/v1/segments/{id}/members',
    summary: "A published segment's members, by cursor",
    tags: ['serving'],
    scope: 'read',
    request: { params: segmentParams, query: pageQuery },
    responses: {
      200: jsonResponse('one page of user ids, ascending', members, { segment: SEGMENT_EXAMPLE, runId: 43, userIds: ['12347', '12348'], next: '/v1/segments/champions/members?limit=2&after=12348' }),
      400: badParam('limit: Too big: expected number to be <=1000'),
      404: errorResponse('no such published segment', 'not_found', 'no published segment "champions"'),
    },
  },
  {
    method: 'get',
    path: '/v1/models',
    summary: 'The model registry, newest first',
    tags: ['models'],
    scope: 'read',
    responses: {
      200: jsonResponse('every version with its metrics, baselines and promotion decision', z.object({ models: z.array(model) }), {
        models: [{
          version: 7, kind: 'champion', status: 'active', backend: 'wasm', params: {}, dataWindow: { from: '2010-12-01', to: '2011-12-09' },
          metrics: { for_you: { recall_at_20: 0.377, ndcg_at_20: 0.374 } }, baselines: { popularity: { for_you: { recall_at_20: 0.21 } } },
          decision: 'promoted: beats every baseline on NDCG@20', trainSeconds: 61.2, artifactBytes: 1843200, createdAt: '2024-05-01T02:10:00.000Z', activatedAt: '2024-05-01T02:10:00.000Z',
        }],
      }),
    },
  },
];

/** Read-only routes over the published run (through the SELECT-only connection). */
export function servingRouter(config: Readonly<Config>, db: Db): Router {
  const recQueryOf = recQuery(config.TOP_K);
  const r = contractRouter(servingRoutes(recQueryOf));
  const read = requireScope(config.API_KEYS, 'read');

  r.get('/v1/users/:id/recommendations', read, async (req, res) => {
    const userId = param(req, 'id');
    const q = query(recQueryOf, req);
    const found = await getRecommendations(db, userId, q.list, q.limit);
    if (!found) throw notFound(`no published ${q.list} recommendations for user "${userId}"`);
    res.json({ userId, list: q.list, runId: found.run.runId, modelVersion: found.run.modelVersion, publishedAt: found.run.publishedAt, items: found.items });
  });

  r.get('/v1/users/:id/intent', read, async (req, res) => {
    const userId = param(req, 'id');
    const found = await getIntent(db, userId);
    if (!found) throw notFound(`no published intent score for user "${userId}"`);
    res.json({ userId, probability: found.probability, horizonDays: found.horizonDays, runId: found.run.runId, modelVersion: found.run.modelVersion, publishedAt: found.run.publishedAt });
  });

  r.get('/v1/segments', read, async (_req, res) => {
    const found = await listSegments(db);
    res.json(found ? { runId: found.run.runId, publishedAt: found.run.publishedAt, segments: found.segments } : { runId: null, segments: [] });
  });

  r.get('/v1/segments/:id/members', read, async (req, res) => {
    const segmentId = param(req, 'id');
    const q = query(pageQuery, req);
    const page = await getSegmentMembers(db, segmentId, q.after ?? null, q.limit);
    if (!page) throw notFound(`no published segment "${segmentId}"`);
    const next = page.next === null ? null : `/v1/segments/${encodeURIComponent(segmentId)}/members?limit=${q.limit}&after=${encodeURIComponent(page.next)}`;
    res.json({ segment: page.segment, runId: page.run.runId, userIds: page.userIds, next });
  });

  r.get('/v1/models', read, async (_req, res) => {
    res.json({ models: await listModels(db) });
  });
  return r;
}

import { z } from 'zod';
import { contractRouter, errorResponse, jsonBody, jsonResponse, timestamp, type RouteSpec } from '../openapi/contract';

/**
 * The serving routes' request schemas (the handlers in serving.ts validate with these) and their OpenAPI specs,
 * generated from the same schemas. Response schemas document what the handlers send; the contract test checks
 * real answers against them.
 */

/** Batch reads take at most this many customers per call (one MySQL query for the uncached ones). */
export const BATCH_MAX_USERS = 500;

export const idParam = z.string().min(1).max(64);
const listName = z.enum(['for-you', 'discover']).default('for-you').meta({ description: 'for-you (reorders allowed) or discover (never bought before)' });
const category = z.string().min(1).max(512).optional().meta({
  description: 'keep items in this category path or below it ("Home" covers "Home > Mugs"), filled up to limit with its most popular items',
  example: 'Home > Kitchen',
});

export const userParams = z.object({ id: idParam.meta({ description: "the shop's customer id", example: '17850' }) });
export const itemParams = z.object({ id: idParam.meta({ description: "the shop's item id", example: '85123A' }) });
export const recQuery = (topK: number) => z.object({ list: listName, limit: z.coerce.number().int().min(1).max(100).default(topK), category });
export const similarQuery = (topK: number) => z.object({ limit: z.coerce.number().int().min(1).max(100).default(topK) });
export const batchBody = (topK: number) =>
  z.object({
    userIds: z.array(idParam).min(1).max(BATCH_MAX_USERS).meta({ description: `1 to ${BATCH_MAX_USERS} customer ids; answers keep their order` }),
    list: listName,
    limit: z.number().int().min(1).max(100).default(topK),
    category,
  }).strict();

const runId = z.number().int().meta({ description: 'the published scoring run', example: 42 });
const modelVersion = z.number().int().nullable().meta({ description: 'the model version that produced the run', example: 7 });
const coldStart = z.boolean().meta({ description: 'true: the run never saw this customer, so this is the cold-start answer' });
const recommendation = z
  .object({
    rank: z.number().int().min(1),
    itemId: z.string(),
    title: z.string().nullable(),
    category: z.string().nullable(),
    score: z.number(),
    reason: z.string().meta({ description: 'bought-before, bought-with, popular-in-category, trending, similar-taste, similar-interest' }),
    reasonItemId: z.string().nullable().meta({ description: 'the item behind a bought-with reason (for similar items: the item asked about)' }),
  })
  .meta({ id: 'Recommendation' });
const recommendations = z
  .object({ userId: z.string(), list: z.enum(['for-you', 'discover']), category: z.string().optional(), coldStart, runId, modelVersion, publishedAt: timestamp, items: z.array(recommendation) })
  .meta({ id: 'Recommendations' });
const batch = z
  .object({
    list: z.enum(['for-you', 'discover']), category: z.string().optional(), runId, modelVersion, publishedAt: timestamp,
    results: z.array(z.object({ userId: z.string(), coldStart, items: z.array(recommendation) })),
  })
  .meta({ id: 'RecommendationsBatch' });
const similar = z.object({ itemId: z.string(), runId, modelVersion, publishedAt: timestamp, items: z.array(recommendation) }).meta({ id: 'SimilarItems' });
const intent = z
  .object({
    userId: z.string(), probability: z.number().min(0).max(1).meta({ description: 'P(buys within horizonDays), calibrated' }),
    horizonDays: z.number().int().nullable().meta({ description: 'null for the cold-start base rate' }), coldStart,
    intentKind: z.enum(['model', 'rule']).meta({
      description: '`rule` when the shop\'s purchase label is degenerate (everyone or no one buys in every window): the score is a rule (expected baskets from frequency, tenure and recency), not a learned model',
    }),
    runId, modelVersion, publishedAt: timestamp,
  })
  .meta({ id: 'Intent' });
const json = z.record(z.string(), z.unknown());
const model = z
  .object({
    version: z.number().int(), kind: z.string(), status: z.enum(['active', 'inactive']), backend: z.string(), params: json, dataWindow: json, metrics: json, baselines: json,
    decision: z.string().meta({ description: 'why it was (or was not) promoted' }), trainSeconds: z.number(), artifactBytes: z.number().int(), createdAt: timestamp, activatedAt: timestamp.nullable(),
  })
  .meta({ id: 'Model' });

const PUBLISHED = { runId: 42, modelVersion: 7, publishedAt: '2024-05-01T02:14:07.000Z' };
const ITEM = { rank: 1, itemId: '85123A', title: 'WHITE HANGING HEART T-LIGHT HOLDER', category: 'Home > Lighting', score: 0.91, reason: 'bought-before', reasonItemId: null };
const badParam = (message: string) => errorResponse('a bad parameter, named', 'bad_request', message);
const nothingPublished = errorResponse('no scoring run published yet', 'not_found', 'no published recommendations yet: run score-all-users first');

/** The serving routes' specs, with the schemas the handlers use. */
export function servingContract(topK: number): { router: ReturnType<typeof contractRouter>; rec: ReturnType<typeof recQuery>; similar: ReturnType<typeof similarQuery>; batch: ReturnType<typeof batchBody> } {
  const rec = recQuery(topK);
  const sim = similarQuery(topK);
  const body = batchBody(topK);
  const specs: RouteSpec[] = [
    {
      method: 'get', path: '/v1/users/{id}/recommendations', summary: "A customer's published top-K list (the cold-start list, flagged, for a customer the run never saw)",
      tags: ['serving'], scope: 'read', request: { params: userParams, query: rec },
      responses: {
        200: jsonResponse('the list, best first, with its run and model version', recommendations, { userId: '17850', list: 'for-you', coldStart: false, ...PUBLISHED, items: [ITEM] }),
        400: badParam('limit: Too big: expected number to be <=100'),
        404: nothingPublished,
      },
    },
    {
      method: 'post', path: '/v1/recommendations:batchGet', summary: `Published lists of up to ${BATCH_MAX_USERS} customers in one call`,
      tags: ['serving'], scope: 'read', request: { body: jsonBody(body, { userIds: ['17850', '12347'], list: 'for-you', limit: 10 }) },
      responses: {
        200: jsonResponse('one result per customer, in the order asked', batch, {
          list: 'for-you', ...PUBLISHED, results: [{ userId: '17850', coldStart: false, items: [ITEM] }, { userId: '12347', coldStart: true, items: [{ ...ITEM, reason: 'trending' }] }],
        }),
        400: badParam(`userIds: Too big: expected array to have <=${BATCH_MAX_USERS} items`),
        404: nothingPublished,
        415: errorResponse('the body is not JSON', 'unsupported_media_type', 'send the payload as Content-Type: application/json (got text/plain)'),
      },
    },
    {
      method: 'get', path: '/v1/users/{id}/intent', summary: "A customer's published purchase probability (the run's base rate, flagged, for a customer it never saw)",
      tags: ['serving'], scope: 'read', request: { params: userParams },
      responses: {
        200: jsonResponse('the probability with its horizon, run and model version', intent, { userId: '17850', probability: 0.62, horizonDays: 30, coldStart: false, intentKind: 'model', ...PUBLISHED }),
        400: badParam('id: must be 1 to 64 characters'),
        404: nothingPublished,
      },
    },
    {
      method: 'get', path: '/v1/items/{id}/similar', summary: "An item page's similar items (bought with it, then similar interest)",
      tags: ['serving'], scope: 'read', request: { params: itemParams, query: sim },
      responses: {
        200: jsonResponse('similar items, best first (empty when the item has no neighbours)', similar, { itemId: '85123A', ...PUBLISHED, items: [{ ...ITEM, itemId: '21733', reason: 'bought-with', reasonItemId: '85123A' }] }),
        400: badParam('limit: Too big: expected number to be <=100'),
        404: errorResponse('the catalogue does not know the item (or nothing is published)', 'not_found', 'unknown item "85123A"'),
      },
    },
    {
      method: 'get', path: '/v1/models', summary: 'The model registry, newest first', tags: ['models'], scope: 'read',
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
  return { router: contractRouter(specs), rec, similar: sim, batch: body };
}

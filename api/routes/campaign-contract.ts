import { z } from 'zod';
import { errorResponse, jsonResponse, timestamp, type RouteSpec } from '../openapi/contract';
import { pageQuery } from '../params';

/**
 * Specs of the segmentation run's routes (segments, lifecycle, audiences, campaigns). The nested records are
 * documented by example rather than field by field: their columns are the contract of the MySQL views
 * (README "Reading from MySQL"), tested in test/integration/campaign-views.test.ts.
 */

const id = (description: string, example: string) => z.object({ id: z.string().min(1).max(128).meta({ description, example }) });
const run = { runId: z.number().int().nullable(), publishedAt: timestamp.nullable().optional(), live: z.boolean().optional() };
const record = z.record(z.string(), z.unknown());
const page = { cursor: z.string().nullable().meta({ description: 'opaque; pins the next page to the run the first page read' }), next: z.string().nullable() };
const RUN = { runId: 43, publishedAt: '2024-05-01T02:20:00.000Z', live: true };
const SEGMENT = { segmentId: 'seg-3', label: 'Loyal big spenders', description: 'frequent, recent, high basket value', size: 412, profile: { recencyDays: 9, frequency: 14 } };
const notPublished = (what: string) => errorResponse(`no segmentation run published yet, or no such ${what}`, 'not_found', `no ${what} "x" in the published run`);
const badParam = errorResponse('a bad parameter, named', 'bad_request', 'limit: Too big: expected number to be <=1000');

export const segmentRoutes: RouteSpec[] = [
  {
    method: 'get', path: '/v1/segments', summary: 'The published segments with labels, sizes, medians and revenue share', tags: ['campaigns'], scope: 'read',
    responses: { 200: jsonResponse('the segments (runId null and none before the first run)', z.object({ ...run, segments: z.array(record) }).passthrough(), { ...RUN, asOf: '2011-12-09', movedShare: 0.07, segments: [SEGMENT] }) },
  },
  {
    method: 'get', path: '/v1/segments/{id}', summary: 'One published segment', tags: ['campaigns'], scope: 'read', request: { params: id('a segment id', 'seg-3') },
    responses: { 200: jsonResponse('the segment', z.object({ ...run, segment: record }), { ...RUN, segment: SEGMENT }), 404: notPublished('segment') },
  },
  {
    method: 'get', path: '/v1/segments/{id}/members', summary: "A segment's members with their lifecycle, by cursor pinned to one run", tags: ['campaigns'], scope: 'read',
    request: { params: id('a segment id', 'seg-3'), query: pageQuery },
    responses: {
      200: jsonResponse('one page of members', z.object({ ...run, segment: record, members: z.array(record), ...page }), {
        ...RUN, segment: SEGMENT, members: [{ userId: '12347', stage: 'active', pNoPurchase90: 0.21 }], cursor: null, next: null,
      }),
      400: badParam, 404: notPublished('segment'), 410: errorResponse('the cursor expired (its run was pruned)', 'cursor_expired', 'this cursor has expired; start again from the first page'),
    },
  },
  {
    method: 'get', path: '/v1/customers/{id}/lifecycle', summary: "A customer's lifecycle stage, churn risk and segment", tags: ['campaigns'], scope: 'read',
    request: { params: id("the shop's customer id", '17850') },
    responses: {
      200: jsonResponse('the lifecycle', z.object({ ...run }).passthrough(), { ...RUN, asOf: '2011-12-09', userId: '17850', stage: 'at_risk', pNoPurchase90: 0.64, segment: { segmentId: 'seg-3', label: 'Loyal big spenders' } }),
      404: notPublished('customer'),
    },
  },
];

export const audienceRoutes: RouteSpec[] = [
  {
    method: 'get', path: '/v1/audiences', summary: 'The published audiences (high intent, churn warning, item and category affinity)', tags: ['campaigns'], scope: 'read',
    responses: { 200: jsonResponse('the audiences (none before the first run)', z.object({ ...run, audiences: z.array(record) }), { ...RUN, audiences: [{ audienceId: 'high-intent', kind: 'high-intent', size: 1000 }] }) },
  },
  {
    method: 'get', path: '/v1/audiences/{id}/members', summary: "An audience's members by rank, with probabilities, by cursor pinned to one run", tags: ['campaigns'], scope: 'read',
    request: { params: id('an audience id', 'high-intent'), query: pageQuery },
    responses: {
      200: jsonResponse('one page of members', z.object({ ...run, audience: record, members: z.array(record), ...page }), {
        ...RUN, audience: { audienceId: 'high-intent', size: 1000 }, members: [{ rank: 1, userId: '14911', probability: 0.93 }], cursor: null, next: null,
      }),
      400: badParam, 404: notPublished('audience'), 410: errorResponse('the cursor expired (its run was pruned)', 'cursor_expired', 'this cursor has expired; start again from the first page'),
    },
  },
];

export const campaignRoutes: RouteSpec[] = [
  {
    method: 'get', path: '/v1/campaigns', summary: 'The campaigns built in the published run', tags: ['campaigns'], scope: 'read',
    responses: { 200: jsonResponse('the campaigns (none before the first run)', z.object({ ...run, campaigns: z.array(record) }), { ...RUN, campaigns: [{ campaignId: 'win-back', members: 812 }] }) },
  },
  {
    method: 'get', path: '/v1/campaigns/{id}', summary: 'One campaign and its export link', tags: ['campaigns'], scope: 'read', request: { params: id('a campaign id', 'win-back') },
    responses: {
      200: jsonResponse('the campaign', z.object({ ...run, campaign: record, export: z.string() }), { ...RUN, campaign: { campaignId: 'win-back', members: 812 }, export: '/v1/campaigns/win-back/export.csv' }),
      404: notPublished('campaign'),
    },
  },
  {
    method: 'get', path: '/v1/campaigns/{id}/export.csv', summary: 'The whole campaign as CSV for an email tool, streamed from one run, formula-safe', tags: ['campaigns'], scope: 'read',
    request: { params: id('a campaign id', 'win-back') },
    responses: {
      200: { description: 'CSV with a header row: customer id, attributes, probability, segment, top-N item ids, titles and reasons', content: { 'text/csv': { schema: z.string(), example: 'customer_id,probability,segment,item_1_id,item_1_title,item_1_reason\n17850,0.64,Loyal big spenders,85123A,WHITE HANGING HEART T-LIGHT HOLDER,bought with 22423\n' } } },
      404: notPublished('campaign'),
    },
  },
];

import { OpenAPIRegistry, OpenApiGeneratorV31, type ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { Express } from 'express';
import { errorResponse, type RouteSpec } from './contract';
import { mountedContracts } from './routes';

/** The generated document (OpenAPI 3.1), as plain JSON. */
export type OpenApiDocument = ReturnType<OpenApiGeneratorV31['generateDocument']>;

/** The contract's own version (info.version): bump the minor for additions, the major for breaking changes. */
export const CONTRACT_VERSION = '1.0.0';

const KEY_SCHEMES = ['apiKey', 'bearer', 'basic'] as const;

const DESCRIPTION = [
  'Batch recommendations, purchase intent and customer segments, served from the published run.',
  '',
  'Every route but the health checks and this contract needs an API key, sent as `X-API-Key: KEY`, `Authorization: Bearer KEY`',
  'or Basic auth (the key as password). Keys carry scopes: `read` (serving), `jobs` (enqueue), `ops` (model activation,',
  'a writable Bull Board); each operation names the scope it needs in `x-required-scope`.',
  'Errors are always `{ "error": { "code", "message" } }`. Requests are rate-limited per address and per key (429 with',
  '`Retry-After`). Bull Board (a web page, not part of this contract) is at `/admin/queues`.',
].join('\n');

/** Answers every keyed route can give, whatever it does. */
function keyedResponses(scope: string): Record<string, ResponseConfig> {
  return {
    401: errorResponse('no valid API key', 'unauthorized', 'a valid API key is required (X-API-Key header or Authorization: Bearer)'),
    403: errorResponse(`the key lacks the \`${scope}\` scope`, 'forbidden', `this API key lacks the "${scope}" scope`),
    429: errorResponse('rate limited; retry after `Retry-After` seconds', 'rate_limited', 'too many requests with this API key; retry later'),
  };
}

const UNEXPECTED = errorResponse('internal error (500), or MySQL or Redis unavailable (503: retry later)', 'unavailable', 'a backing service (MySQL or Redis) is unavailable; retry later (request id 4b1f…)');

/** The OpenAPI 3.1 document for these route specs. */
export function buildOpenApiDocument(specs: readonly RouteSpec[]): OpenApiDocument {
  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'apiKey', { type: 'apiKey', in: 'header', name: 'X-API-Key' });
  registry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer', description: 'the API key as bearer token' });
  registry.registerComponent('securitySchemes', 'basic', { type: 'http', scheme: 'basic', description: 'any user name, the API key as password' });
  for (const { scope, ...route } of specs) {
    registry.registerPath({
      ...route,
      responses: { ...(scope === null ? {} : keyedResponses(scope)), default: UNEXPECTED, ...route.responses },
      security: scope === null ? [] : KEY_SCHEMES.map((s) => ({ [s]: [] })),
      ...(scope === null ? {} : { 'x-required-scope': scope }),
    });
  }
  return new OpenApiGeneratorV31(registry.definitions).generateDocument({
    openapi: '3.1.0',
    info: { title: 'ShopIntent API', version: CONTRACT_VERSION, description: DESCRIPTION, license: { name: 'MIT', identifier: 'MIT' } },
    servers: [{ url: '/', description: 'this server' }],
  });
}

/** The document for what `app` mounts: the specs of its contract routers. */
export function openApiDocumentFor(app: Express): OpenApiDocument {
  return buildOpenApiDocument(mountedContracts(app));
}

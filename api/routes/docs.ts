import path from 'node:path';
import type { Router } from 'express';
import { z } from 'zod';
import { contractRouter, errorResponse, type RouteSpec } from '../openapi/contract';
import type { OpenApiDocument } from '../openapi/document';
import { docsContentSecurityPolicy } from '../security';

/**
 * The published contract: GET /v1/openapi.json (OpenAPI 3.1) and a browsable page at GET /v1/docs (Swagger UI,
 * served from node_modules: no CDN). Public (no key: the contract is no secret) but behind the per-address limit.
 */

const SWAGGER_DIR = path.dirname(require.resolve('swagger-ui-dist/swagger-ui-bundle.js'));

/** The page's own files; nothing else under /v1/docs/ is served. */
const ASSETS = { 'swagger-ui.css': 'text/css', 'swagger-ui-bundle.js': 'text/javascript', 'docs.js': 'text/javascript' } as const;
type Asset = keyof typeof ASSETS;
const assetParams = z.object({ asset: z.enum(Object.keys(ASSETS) as [Asset, ...Asset[]]).meta({ example: 'swagger-ui.css' }) });

// No inline script: the page's start-up code is a file of its own (the CSP allows scripts from this origin only).
const PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>ShopIntent API</title><link rel="stylesheet" href="/v1/docs/swagger-ui.css"></head>
<body><div id="swagger-ui"></div><script src="/v1/docs/swagger-ui-bundle.js"></script><script src="/v1/docs/docs.js"></script></body>
</html>
`;
const START = `window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#swagger-ui', deepLinking: true, validatorUrl: null, presets: [SwaggerUIBundle.presets.apis] });\n`;

const text = (type: string, example: string) => ({ description: 'the file', content: { [type]: { schema: z.string(), example } } });

export const docsRoutes: RouteSpec[] = [
  {
    method: 'get',
    path: '/v1/openapi.json',
    summary: 'This contract (OpenAPI 3.1)',
    tags: ['contract'],
    scope: null,
    responses: {
      200: { description: 'the OpenAPI document', content: { 'application/json': { schema: z.record(z.string(), z.unknown()), example: { openapi: '3.1.0', info: { title: 'ShopIntent API', version: '1.0.0' }, paths: {} } } } },
      429: errorResponse('too many requests from this address', 'rate_limited', 'too many requests from this address; retry later'),
    },
  },
  {
    method: 'get',
    path: '/v1/docs',
    summary: 'This contract as a browsable page (Swagger UI)',
    tags: ['contract'],
    scope: null,
    responses: { 200: text('text/html', '<!doctype html>…') },
  },
  {
    method: 'get',
    path: '/v1/docs/{asset}',
    summary: "The docs page's stylesheet and scripts",
    tags: ['contract'],
    scope: null,
    request: { params: assetParams },
    responses: { 200: text('text/css', '.swagger-ui{…}'), 404: errorResponse('not one of the page files', 'not_found', 'no route GET /v1/docs/x.js') },
  },
];

/** Routes of the contract; `document` is read on first request (the app's routers are all mounted by then). */
export function docsRouter(document: () => OpenApiDocument): Router {
  const r = contractRouter(docsRoutes);
  let json: string | undefined;
  r.get('/v1/openapi.json', (_req, res) => {
    json ??= JSON.stringify(document());
    res.type('application/json').set('Cache-Control', 'public, max-age=300').send(json);
  });
  r.get('/v1/docs', docsContentSecurityPolicy(), (_req, res) => {
    res.type('text/html').send(PAGE);
  });
  r.get('/v1/docs/:asset', (req, res, next) => {
    const parsed = assetParams.safeParse(req.params);
    if (!parsed.success) {
      next();
      return;
    }
    const { asset } = parsed.data;
    res.type(ASSETS[asset]).set('Cache-Control', 'public, max-age=3600');
    if (asset === 'docs.js') res.send(START);
    else res.sendFile(path.join(SWAGGER_DIR, asset));
  });
  return r;
}

import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import { pinoHttp } from 'pino-http';
import type { Logger } from '../config/logger';
import { BOARD_PATH } from './board';
import { safeText } from './text';

/**
 * The route pattern a request matched (`/v1/users/:id/recommendations`), never its raw URL: logs and metrics
 * group by it, and a raw URL would make one series per customer. Requests refused before routing (a missing key,
 * a rate limit) or matching no route are `unmatched`; Bull Board's own files are `/admin/queues/*`.
 */
export function routeOf(req: Request): string {
  const path: unknown = (req.route as { path?: unknown } | undefined)?.path;
  const pattern = typeof path === 'string' ? path : Array.isArray(path) ? path.join('|') : null;
  // Express escapes a literal colon (`/v1/recommendations\:batchGet`); the label shows the path as clients write it.
  if (pattern !== null) return `${req.baseUrl}${pattern}`.replace(/\\/g, '');
  if (req.originalUrl.startsWith(`${BOARD_PATH}/`) || req.originalUrl === BOARD_PATH) return `${BOARD_PATH}/*`;
  return 'unmatched';
}

/** Probes and scrapes arrive every few seconds and would drown the request log. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

/**
 * pino-http: one line per finished request (method, route, status, time, request id) and `req.log`, a child logger
 * carrying the request id, for everything logged while handling it. Headers are not logged at all (they carry
 * keys); the request id is the one api/errors.ts `requestId` gave the request (and echoed as X-Request-Id).
 */
export function requestLogger(log: Logger): RequestHandler {
  const route = (req: IncomingMessage): string => routeOf(req as Request);
  return pinoHttp<IncomingMessage, ServerResponse>({
    logger: log,
    genReqId: (_req, res) => String((res as Response).locals.requestId ?? ''),
    customAttributeKeys: { reqId: 'requestId' },
    // req.log is a cheap child with the request id only; the full request goes on the completion line.
    quietReqLogger: true,
    // The serializers get the raw request and response: pino-http's wrappers would first copy each into an object
    // with every header, on every request, only for these three fields to be picked from it.
    wrapSerializers: false,
    serializers: {
      req: (r: Request) => ({ method: r.method, url: safeText(r.originalUrl || r.url, 300), remoteAddress: r.socket?.remoteAddress }),
      res: (r: ServerResponse) => ({ statusCode: r.statusCode }),
    },
    autoLogging: { ignore: (req) => QUIET.has((req.url ?? '').split('?')[0] ?? '') },
    // 'silent' skips building the completion line when its level is off (LOG_LEVEL warn or above).
    customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : log.isLevelEnabled('info') ? 'info' : 'silent'),
    customSuccessObject: (req, _res, val: object) => ({ ...val, route: route(req) }),
    customErrorObject: (req, _res, _err, val: object) => ({ ...val, route: route(req) }),
    customSuccessMessage: (req, res, ms) => `${req.method ?? ''} ${route(req)} ${res.statusCode} ${ms} ms`,
    customErrorMessage: (req, res) => `${req.method ?? ''} ${route(req)} ${res.statusCode} failed`,
  });
}

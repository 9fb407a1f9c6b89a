import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, RequestHandler } from 'express';

/** An error whose code and message are safe to show to clients. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export const badRequest = (message: string): ApiError => new ApiError(400, 'bad_request', message);
export const notFound = (message: string): ApiError => new ApiError(404, 'not_found', message);

/** Connection-level failures of MySQL or Redis: the client should retry, so 503 rather than 500. */
function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown; name?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'PROTOCOL_CONNECTION_LOST', 'ER_CON_COUNT_ERROR'].includes(code) ||
    e.name === 'KnexTimeoutError' ||
    /Stream isn't writeable|Connection is closed|enableOfflineQueue/.test(message)
  );
}

/** Tags each request with an id (echoed as X-Request-Id) so a client's report can be found in the log. */
export const requestId: RequestHandler = (req, res, next) => {
  const id = (req.header('x-request-id') ?? '').slice(0, 64) || randomUUID();
  res.locals.requestId = id;
  res.setHeader('X-Request-Id', id);
  next();
};

/** 503 while the API's Redis connection is not ready (the connection is shared by every queue). */
export function requireRedis(redis: { status: string }): RequestHandler {
  return (_req, _res, next) => {
    next(redis.status === 'ready' ? undefined : new ApiError(503, 'unavailable', 'the job queue (Redis) is unavailable; retry later'));
  };
}

export const unknownRoute: RequestHandler = (req, _res, next) => {
  next(notFound(`no route ${req.method} ${req.path}`));
};

/**
 * The one error mapper: typed errors become `{ error: { code, message } }` with their status; anything else
 * is logged with the request id and shown as a generic 500 (internal details never reach the client).
 */
export function errorHandler(log: (msg: string) => void): ErrorRequestHandler {
  return (err: unknown, _req, res, _next) => {
    const requestIdValue = String(res.locals.requestId ?? '');
    if (err instanceof ApiError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message } });
      return;
    }
    const e = err as { type?: string; status?: number; message?: string };
    if (e.type === 'entity.parse.failed') {
      res.status(400).json({ error: { code: 'bad_json', message: 'request body is not valid JSON' } });
      return;
    }
    if (e.type === 'entity.too.large') {
      res.status(413).json({ error: { code: 'too_large', message: 'request body is too large' } });
      return;
    }
    log(`[${requestIdValue}] ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    if (isUnavailable(err)) {
      res.status(503).json({ error: { code: 'unavailable', message: `a backing service (MySQL or Redis) is unavailable; retry later (request id ${requestIdValue})` } });
      return;
    }
    res.status(500).json({ error: { code: 'internal', message: `internal error (request id ${requestIdValue})` } });
  };
}

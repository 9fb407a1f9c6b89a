import { randomUUID } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler } from 'express';
import { hideUrlPasswords, type Logger } from '../config/logger';
import { SAFE_REQUEST_ID, safeText } from './text';

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
  const e = err as { code?: unknown; message?: unknown; name?: unknown; errno?: unknown };
  const code = typeof e.code === 'string' ? e.code : '';
  const message = typeof e.message === 'string' ? e.message : '';
  return (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'PROTOCOL_CONNECTION_LOST', 'PROTOCOL_ENQUEUE_AFTER_FATAL_ERROR', 'ER_CON_COUNT_ERROR', 'ER_SERVER_SHUTDOWN'].includes(code) ||
    // MariaDB's ER_CONNECTION_KILLED (a KILL or failover mid-query); mysql2 has no name for it
    e.errno === 1927 ||
    e.name === 'KnexTimeoutError' ||
    /Stream isn't writeable|Connection is closed|enableOfflineQueue/.test(message)
  );
}

/** Tags each request with an id (echoed as X-Request-Id) so a client's report can be found in the log; a client's id is kept only if it is short and plain. */
export const requestId: RequestHandler = (req, res, next) => {
  const given = (req.header('x-request-id') ?? '').slice(0, 64);
  const id = SAFE_REQUEST_ID.test(given) ? given : randomUUID();
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

/** Stable codes for the 4xx statuses that reach the mapper as plain HTTP errors (body parser, router, http-errors). */
const CLIENT_CODES: Record<number, [code: string, message: string]> = {
  400: ['bad_request', 'the request is malformed'],
  401: ['unauthorized', 'a valid API key is required'],
  403: ['forbidden', 'not allowed'],
  404: ['not_found', 'not found'],
  405: ['method_not_allowed', 'method not allowed'],
  406: ['not_acceptable', 'not acceptable'],
  408: ['request_timeout', 'the request took too long to arrive'],
  409: ['conflict', 'conflict'],
  411: ['length_required', 'a Content-Length is required'],
  413: ['too_large', 'request body is too large'],
  414: ['uri_too_long', 'the URL is too long'],
  415: ['unsupported_media_type', 'unsupported content type or encoding'],
  416: ['range_not_satisfiable', 'range not satisfiable'],
  422: ['unprocessable', 'the request could not be processed'],
  429: ['rate_limited', 'too many requests; retry later'],
  431: ['headers_too_large', 'request headers are too large'],
};

/** Body-parser error types whose fixed wording is clearer than the library's. */
const BODY_ERRORS: Record<string, [status: number, code: string, message: string]> = {
  'entity.parse.failed': [400, 'bad_json', 'request body is not valid JSON'],
  'entity.too.large': [413, 'too_large', 'request body is too large'],
  'entity.verify.failed': [403, 'forbidden', 'request body was refused'],
  'request.aborted': [400, 'aborted', 'the request was aborted before its body arrived'],
  'request.size.invalid': [400, 'bad_request', 'the request body is shorter or longer than its Content-Length'],
  'encoding.unsupported': [415, 'unsupported_media_type', 'unsupported Content-Encoding'],
  'charset.unsupported': [415, 'unsupported_media_type', 'unsupported charset; send UTF-8'],
  'parameters.too.many': [413, 'too_large', 'too many parameters'],
};

/** The 4xx an error carries (http-errors, body-parser, the router's decode error), or null for a real failure. */
function clientStatus(err: unknown): number | null {
  const e = err as { status?: unknown; statusCode?: unknown };
  const status = typeof e.status === 'number' ? e.status : typeof e.statusCode === 'number' ? e.statusCode : NaN;
  return Number.isInteger(status) && status >= 400 && status < 500 ? status : null;
}

/** The client went away mid-request: nothing to answer and nothing wrong with the server. */
function clientGone(err: unknown, req: Request): boolean {
  const code = (err as { code?: unknown }).code;
  return req.destroyed && (code === 'ECONNRESET' || code === 'ECONNABORTED' || code === 'ERR_STREAM_PREMATURE_CLOSE');
}

/** A real failure, logged bounded: the error's name, message and where it was thrown, and one line of text. */
function logFailure(log: Logger, err: unknown, req: Request): void {
  const e = err instanceof Error ? err : new Error(String(err));
  const at = (e.stack ?? '').split('\n').find((l) => l.trim().startsWith('at '))?.trim() ?? '';
  const code = (e as { code?: unknown }).code;
  const fields = { error: { type: e.name, message: hideUrlPasswords(safeText(e.message, 500)), at: safeText(at, 200), ...(typeof code === 'string' ? { code } : {}) } };
  log.error(fields, safeText(`${req.method} ${req.originalUrl} failed: ${e.name}: ${e.message} ${at}`, 800));
}

/**
 * The one error mapper: typed errors and errors carrying a 4xx become `{ error: { code, message } }` with their
 * status and are not logged; anything else is logged (error level, bounded, with the request id) and shown as a
 * generic 500 (or 503 when MySQL or Redis is unreachable). Every message is escaped and bounded.
 */
export function errorHandler(log: Logger): ErrorRequestHandler {
  return (err: unknown, req, res, _next) => {
    const requestIdValue = String(res.locals.requestId ?? '');
    const send = (status: number, code: string, message: string): void => {
      if (res.headersSent) {
        // A streamed response failed half-way: the status is gone, so cut the connection to show it is incomplete.
        res.destroy();
        return;
      }
      res.status(status).json({ error: { code, message: safeText(message) } });
    };
    if (err instanceof ApiError) {
      send(err.status, err.code, err.message);
      return;
    }
    const type = (err as { type?: unknown }).type;
    const known = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
    if (known) {
      send(...known);
      return;
    }
    if (clientGone(err, req)) {
      send(400, 'aborted', 'the request was aborted');
      return;
    }
    const status = clientStatus(err);
    if (status !== null) {
      const [code, generic] = CLIENT_CODES[status] ?? ['client_error', 'the request was refused'];
      const e = err as { expose?: unknown; message?: unknown };
      let message = e.expose === true && typeof e.message === 'string' && e.message ? e.message : generic;
      if (err instanceof URIError) message = 'the URL has malformed percent-encoding';
      send(status, code, message);
      return;
    }
    // pino-http's per-request logger already carries the request id; without it (a bare app), add it here.
    logFailure((req as { log?: Logger }).log ?? log.child({ requestId: requestIdValue }), err, req);
    if (isUnavailable(err)) {
      send(503, 'unavailable', `a backing service (MySQL or Redis) is unavailable; retry later (request id ${requestIdValue})`);
      return;
    }
    send(500, 'internal', `internal error (request id ${requestIdValue})`);
  };
}

import { z } from 'zod';
import { ApiError, badRequest } from './errors';

/**
 * Opaque page cursors. A cursor carries the run its first page read, what it pages (so it cannot be replayed on
 * another list), the last key it returned and when the first page was read: every later page reads that same
 * run, so a run published while a client pages never mixes two runs. Base64url JSON: not a secret (any run it
 * could name is readable with the same key), only not meant to be built by clients.
 */
export interface Cursor {
  /** the pinned run */
  runId: number;
  /** what is paged, e.g. `segment:champions` */
  scope: string;
  /** the last key returned (a customer id or a rank) */
  after: string | number;
  /** epoch ms of the first page */
  firstPageAt: number;
}

const payload = z.object({ v: z.literal(1), r: z.number().int().positive(), s: z.string().max(200), a: z.union([z.string().max(64), z.number().int().nonnegative()]), t: z.number().int().positive() }).strict();

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ v: 1, r: c.runId, s: c.scope, a: c.after, t: c.firstPageAt })).toString('base64url');
}

/** 410 Gone: the cursor outlived the time its run is kept for, or its run is no longer there. */
export const cursorExpired = (message: string): ApiError => new ApiError(410, 'cursor_expired', message);

/**
 * Reads a cursor given for `scope`: 400 when it is not one of ours or belongs to another list, 410 when it is
 * older than `ttlMs` (its run may be pruned after that). The run's existence is checked by the caller.
 */
export function decodeCursor(raw: string, scope: string, ttlMs: number, now = Date.now()): Cursor {
  let data: unknown;
  try {
    data = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8'));
  } catch {
    throw badRequest('cursor: not a cursor returned by this API');
  }
  const p = payload.safeParse(data);
  if (!p.success) throw badRequest('cursor: not a cursor returned by this API');
  if (p.data.s !== scope) throw badRequest('cursor: it belongs to another list; start again without a cursor');
  if (now - p.data.t > ttlMs) throw cursorExpired(`cursor: older than ${Math.round(ttlMs / 1000)} seconds; start again without a cursor`);
  return { runId: p.data.r, scope: p.data.s, after: p.data.a, firstPageAt: p.data.t };
}

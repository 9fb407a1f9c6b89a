import type { Request } from 'express';
import { z } from 'zod';
import { describeIssues } from '../config/errors';
import { badRequest } from './errors';

const idParam = z.string().min(1).max(128);

/** The request's query parsed with `schema` (400 naming each bad field). */
export function parseQuery<T extends z.ZodType>(schema: T, req: Request): z.output<T> {
  const parsed = schema.safeParse(req.query);
  if (!parsed.success) throw badRequest(describeIssues(parsed.error.issues));
  return parsed.data;
}

/** A path id (1 to 128 characters), 400 naming the parameter otherwise. */
export function pathId(req: Request, name: string): string {
  const parsed = idParam.safeParse(req.params[name]);
  if (!parsed.success) throw badRequest(`${name}: must be 1 to 128 characters`);
  return parsed.data;
}

/** `?limit=&cursor=` of paged routes. */
export const pageQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  cursor: z.string().min(1).max(1024).optional(),
});

import type { ResponseConfig, RouteConfig } from '@asteasolutions/zod-to-openapi';
import { Router } from 'express';
import { z } from 'zod';
import type { ApiScope } from '../../config';

/**
 * The API's contract is declared next to the routes: each router file lists its routes' OpenAPI specs, built
 * from the same zod schemas the handlers validate with, and creates its Router with contractRouter(specs). The
 * document (GET /v1/openapi.json) is generated from the specs of every router the app mounts, and
 * test/integration/openapi.test.ts fails for any route the app serves that no spec describes (and vice versa).
 */

/** One operation of the document: zod-to-openapi's route config, plus the key scope it needs. */
export interface RouteSpec extends Omit<RouteConfig, 'security'> {
  /** the API key scope the route requires (adds the key schemes and the 401/403/429 answers); null: no key */
  scope: ApiScope | null;
}

const contracts = new WeakMap<object, readonly RouteSpec[]>();

/** A Router that carries the specs of the routes it serves; mount it as usual and the document includes them. */
export function contractRouter(specs: readonly RouteSpec[]): Router {
  const router = Router();
  contracts.set(router, specs);
  return router;
}

/** The specs a mounted handler carries (a router made by contractRouter), if any. */
export function contractOf(handler: unknown): readonly RouteSpec[] | undefined {
  return typeof handler === 'function' ? contracts.get(handler) : undefined;
}

/** The one error shape of every 4xx and 5xx (api/errors.ts). */
export const errorSchema = z
  .object({ error: z.object({ code: z.string().meta({ description: 'stable, machine-readable' }), message: z.string().meta({ description: 'for people; at most 500 characters' }) }) })
  .meta({ id: 'Error' });

/** A JSON answer: its schema and an example (the contract test checks the example against the schema). */
export function jsonResponse(description: string, schema: z.ZodType, example: unknown): ResponseConfig {
  return { description, content: { 'application/json': { schema, example } } };
}

/** An error answer with an example of its code and message. */
export function errorResponse(description: string, code: string, message: string): ResponseConfig {
  return jsonResponse(description, errorSchema, { error: { code, message } });
}

/** A JSON request body with an example. */
export function jsonBody(schema: z.ZodType, example: unknown, required = true): NonNullable<RouteConfig['request']>['body'] {
  return { required, content: { 'application/json': { schema, example } } };
}

/** An ISO 8601 timestamp as the API writes it. */
export const timestamp = z.string().meta({ description: 'ISO 8601 time, UTC', example: '2024-05-01T02:14:07.000Z' });

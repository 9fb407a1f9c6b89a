import { z } from 'zod';
import { EVENT_TYPE_NAMES } from '../../db/events/row';
import type { Mapping } from './types';

/**
 * A shop's own mapping, sent inline with the job (`mapping: { … }` instead of a preset name). Validated here
 * so a wrong shape is refused before any file is opened; whether its columns fit the file's header is checked
 * when the header is read (bind.ts).
 */
const column = z.string().min(1).max(128);
const idRules = z.object({ stripFloatSuffix: z.boolean().optional(), upperCase: z.boolean().optional() }).strict();
const base = {
  name: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - (at most 64)'),
  optionalColumns: z.array(column).optional(),
  ignoreColumns: z.array(column).optional(),
};

const eventMapping = z
  .object({
    ...base,
    entity: z.literal('events'),
    columns: z
      .object({ user: column, item: column.optional(), eventType: column.optional(), time: column, quantity: column.optional(), price: column.optional(), query: column.optional(), dwell: column.optional(), session: column.optional(), itemTitle: column.optional() })
      .strict(),
    userAttributes: z.record(z.string(), column).optional(),
    eventType: z.union([z.object({ fixed: z.enum(EVENT_TYPE_NAMES) }).strict(), z.object({ values: z.record(z.string(), z.enum(EVENT_TYPE_NAMES)) }).strict()]),
    time: z.object({ format: z.string().min(1).max(64), zone: z.string().min(1).max(64) }).strict().default({ format: 'auto', zone: 'UTC' }),
    userId: idRules.optional(),
    itemId: idRules.optional(),
    negateQuantityWhen: z.object({ column, prefix: z.string().min(1).max(16) }).strict().optional(),
    anonymousFromSession: z.object({ prefix: z.string().min(1).max(16) }).strict().optional(),
  })
  .strict()
  .refine((m) => !m.anonymousFromSession || m.columns.session !== undefined, { message: 'anonymousFromSession needs columns.session', path: ['anonymousFromSession'] })
  .refine((m) => !('values' in m.eventType) || m.columns.eventType !== undefined, { message: 'eventType.values needs columns.eventType', path: ['columns', 'eventType'] });

const itemMapping = z
  .object({
    ...base,
    entity: z.literal('items'),
    columns: z.object({ item: column, title: column.optional(), category: column.optional(), price: column.optional(), inStock: column.optional(), attributes: column.optional() }).strict(),
    itemId: idRules.optional(),
  })
  .strict();

const userMapping = z
  .object({ ...base, entity: z.literal('users'), columns: z.object({ user: column, attributes: column.optional() }).strict(), userId: idRules.optional() })
  .strict();

export const customMappingSchema: z.ZodType<Mapping> = z.union([eventMapping, itemMapping, userMapping]);

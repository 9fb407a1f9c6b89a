import { z } from 'zod';
import type { IngestBatchCounts } from '../db/repositories/ingest-batches';
import { customMappingSchema } from './mappings/schema';
import { PRESET_ENTITIES, PRESET_NAMES, type PresetName } from './mappings/preset-names';

/**
 * A file name inside the upload or import directory: path segments of letters, digits, `_`, `.` and `-`,
 * none starting with a dot (so no `..`, no hidden files), no leading `/`. The worker still resolves it after
 * symlinks and refuses anything outside the directory: this only keeps obviously hostile names out of Redis.
 */
const FILE_NAME = /^[A-Za-z0-9_-][A-Za-z0-9_.-]*(\/[A-Za-z0-9_-][A-Za-z0-9_.-]*)*$/;

export const ingestFileSchema = z
  .string()
  .min(1)
  .max(255)
  .regex(FILE_NAME, 'a file name inside the upload (or import) directory: letters, digits, _ . - and / between names; no leading dot or slash');

/** Where an ingest file lives: `uploads` (UPLOAD_DIR, files sent to POST /v1/ingest) or `imports` (IMPORT_DIR). */
export const ingestDirSchema = z.enum(['uploads', 'imports']).default('uploads');

/** How to read a file (everything an ingest needs besides which file). */
const ingestOptions = z.object({
  entity: z.enum(['events', 'items', 'users']).default('events'),
  /** a preset name (generic for any entity, uci-online-retail for events) or a shop's own mapping object */
  mapping: z.union([z.enum(PRESET_NAMES as [PresetName, ...PresetName[]]), customMappingSchema]).default('generic'),
  /** override detection (by extension, then by the first byte) */
  format: z.enum(['csv', 'ndjson']).optional(),
  /** CSV delimiter override: one character, or `tab`; auto-detected from the header otherwise */
  delimiter: z
    .string()
    .min(1)
    .max(3)
    .transform((d) => (d === 'tab' || d === '\\t' ? '\t' : d))
    .pipe(z.string().length(1))
    .optional(),
});

/** A preset must map the entity asked for: refused at enqueue (400), not minutes later in a worker. */
function presetFitsEntity(p: { mapping: unknown; entity: 'events' | 'items' | 'users' }, ctx: z.RefinementCtx): void {
  if (typeof p.mapping === 'string' && p.mapping in PRESET_ENTITIES) {
    const entities: readonly string[] = PRESET_ENTITIES[p.mapping as PresetName];
    if (!entities.includes(p.entity)) ctx.addIssue({ code: 'custom', path: ['mapping'], message: `preset "${p.mapping}" maps ${entities.join(', ')}, not ${p.entity}` });
  }
}

/** The options of an ingest run from a trusted caller (the ops CLI, a bench) that already holds a path. */
export const ingestOptionsSchema = ingestOptions.superRefine(presetFitsEntity);

/** What an ingest job is asked to do. Nothing here is a path: `file` is resolved inside `dir` by the worker. */
export const ingestPayloadSchema = ingestOptions.extend({ file: ingestFileSchema, dir: ingestDirSchema }).strict().superRefine(presetFitsEntity);
export type IngestPayload = z.output<typeof ingestPayloadSchema>;
export type IngestPayloadInput = z.input<typeof ingestPayloadSchema>;
export type IngestEntity = IngestPayload['entity'];

export type IngestOptions = z.output<typeof ingestOptionsSchema>;
export type IngestOptionsInput = z.input<typeof ingestOptionsSchema>;

/** Progress as reported while a file streams in. */
export interface IngestProgress {
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsPerSecond: number;
  /** share of the file's bytes read, 0–100; null when the size is unknown */
  percent: number | null;
}

/** What an ingest returns (counts are for the whole batch, including attempts it resumed). */
export interface IngestResult extends IngestBatchCounts {
  batchId: number;
  rejectsByReason: Record<string, number>;
}

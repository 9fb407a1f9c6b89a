import { z } from 'zod';
import type { IngestBatchCounts } from '../../db/repositories/ingest-batches';
import { customMappingSchema } from './mappings/schema';

/** What an ingest job is asked to do. */
export const ingestPayloadSchema = z.object({
  /** file on the worker's disk (an API upload is streamed to disk first) */
  path: z.string().min(1),
  entity: z.enum(['events', 'items', 'users']).default('events'),
  /** a preset name (generic for any entity, uci-online-retail for events) or a shop's own mapping object */
  mapping: z.union([z.string().min(1).max(64), customMappingSchema]).default('generic'),
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
export type IngestPayload = z.output<typeof ingestPayloadSchema>;
export type IngestPayloadInput = z.input<typeof ingestPayloadSchema>;
export type IngestEntity = IngestPayload['entity'];

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

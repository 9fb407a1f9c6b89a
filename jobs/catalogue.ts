import { z } from 'zod';
import type { JobsOptions } from 'bullmq';
import { STORE_BUCKETS } from '../db/events/buckets';
import { ingestDirSchema, ingestFileSchema, ingestPayloadSchema } from '../ingest/payload';
import { PRESET_NAMES, type PresetName } from '../ingest/mappings/preset-names';

/**
 * The one typed job catalogue: every job's name, queue, payload schema and default options. Enqueuers
 * (API, flows, scheduler) and handlers both derive from it, so they cannot drift apart.
 */

const isoDate = z.iso.datetime({ offset: true }).or(z.iso.date());

export const payloadSchemas = {
  ingest: ingestPayloadSchema,
  preprocess: z.object({
    /** shop-specific non-product item ids (fees, postage) left out of every model */
    excludedItemIds: z.array(z.string().max(64)).optional(),
    asOf: isoDate.optional(),
  }),
  train: z.object({
    horizonDays: z.number().int().positive().max(365).optional(),
    k: z.number().int().positive().max(200).optional(),
    excludedItemIds: z.array(z.string().max(64)).optional(),
  }),
  'score-all-users': z.object({
    modelVersion: z.number().int().positive().optional(),
    k: z.number().int().positive().max(200).optional(),
    excludedItemIds: z.array(z.string().max(64)).optional(),
  }),
  /** one range of customer buckets [lo, hi) of a scoring run; enqueued by score-all-users as its child, never by clients */
  'score-shard': z.object({
    runId: z.number().int().positive(),
    modelVersion: z.number().int().positive(),
    k: z.number().int().positive().max(200),
    excludedItemIds: z.array(z.string().max(64)),
    shard: z.number().int().nonnegative().max(STORE_BUCKETS - 1),
    lo: z.number().int().nonnegative().max(STORE_BUCKETS - 1),
    hi: z.number().int().positive().max(STORE_BUCKETS),
  }).refine((p) => p.lo < p.hi, { message: 'lo must be below hi', path: ['lo'] }),
  segment: z.object({
    segments: z.number().int().min(2).max(12).optional(),
    /** affinity audiences for this run on top of AUDIENCE_ITEMS / AUDIENCE_CATEGORIES (an audience on demand) */
    audiences: z.object({
      items: z.array(z.string().min(1).max(64)).max(50).default([]),
      categories: z.array(z.string().min(1).max(128)).max(50).default([]),
    }).strict().optional(),
  }),
  'nightly-pipeline': z.object({
    /** ingest an events file first: a file in the upload (or import) directory, read with a preset mapping */
    withIngest: z.object({ file: ingestFileSchema, dir: ingestDirSchema, mapping: z.enum(PRESET_NAMES as [PresetName, ...PresetName[]]).default('generic') }).strict().optional(),
    excludedItemIds: z.array(z.string().max(64)).optional(),
  }),
  /** ops: make a registered model version the active one (rollback or roll forward); the API may not write MySQL itself */
  'activate-model': z.object({
    version: z.number().int().positive(),
    reason: z.string().max(500).default('activated by ops'),
  }),
} as const;

export type JobName = keyof typeof payloadSchemas;
export const JOB_NAMES = Object.keys(payloadSchemas) as JobName[];
export type JobPayload<K extends JobName> = z.output<(typeof payloadSchemas)[K]>;
export type JobInput<K extends JobName> = z.input<(typeof payloadSchemas)[K]>;

/** Each batch job has its own queue (so pools can be split by queue); light control jobs share `control`. */
export const QUEUE_OF: Record<JobName, string> = {
  ingest: 'ingest',
  preprocess: 'preprocess',
  train: 'train',
  // The coordinator only plans, fans out and publishes: light work, run in-process with the other control jobs.
  // (Sandboxed, a parent that BullMQ refuses to park because a shard already failed leaves its thread waiting for
  // an answer that never comes, and BullMQ hands that busy thread the next job: "cannot start a not idling child".)
  'score-all-users': 'control',
  // The scoring itself: the pools that score (GPU ones included) consume this queue.
  'score-shard': 'score-shard',
  segment: 'segment',
  'nightly-pipeline': 'control',
  'activate-model': 'control',
};
export const ALL_QUEUES = [...new Set(Object.values(QUEUE_OF))];

/** Jobs whose work is CPU-bound and runs sandboxed, off the thread that renews BullMQ locks. */
export const SANDBOXED: Record<JobName, boolean> = {
  ingest: true,
  preprocess: true,
  train: true,
  'score-all-users': false,
  'score-shard': true,
  segment: true,
  'nightly-pipeline': false,
  'activate-model': false,
};

const retrying: JobsOptions = {
  attempts: 3,
  backoff: { type: 'exponential', delay: 5_000 },
  removeOnComplete: { age: 7 * 24 * 3600, count: 1000 },
  removeOnFail: { age: 30 * 24 * 3600 },
};

export const JOB_OPTIONS: Record<JobName, JobsOptions> = {
  ingest: retrying,
  preprocess: retrying,
  train: { ...retrying, attempts: 2 },
  'score-all-users': retrying,
  'score-shard': retrying,
  segment: retrying,
  'nightly-pipeline': { ...retrying, attempts: 1 },
  'activate-model': { ...retrying, attempts: 2 },
};

/** The batch jobs clients may enqueue directly through POST /v1/jobs/:type. */
export const PUBLIC_JOBS = ['ingest', 'preprocess', 'train', 'score-all-users', 'segment'] as const satisfies readonly JobName[];


/** Parses a payload for a job; returns the zod error for the caller to map (API: 400, handler: unrecoverable). */
export function parsePayload<K extends JobName>(name: K, data: unknown): z.ZodSafeParseResult<JobPayload<K>> {
  const schema: z.ZodType = payloadSchemas[name];
  return schema.safeParse(data ?? {}) as z.ZodSafeParseResult<JobPayload<K>>;
}

/** Job ids are `<name>-<suffix>`: never all digits, never a colon (BullMQ rules), and the queue is readable from them. */
export function jobIdFor(name: JobName, suffix: string): string {
  return `${name}-${suffix.replace(/[^A-Za-z0-9_.-]/g, '_')}`;
}

/** The job name encoded in an id made by jobIdFor, or null. */
export function jobNameFromId(id: string): JobName | null {
  // Longest first so that "score-all-users-…" is not read as a shorter name.
  const byLength = [...JOB_NAMES].sort((a, b) => b.length - a.length);
  return byLength.find((n) => id.startsWith(`${n}-`)) ?? null;
}

export function isJobName(s: string): s is JobName {
  return (JOB_NAMES as string[]).includes(s);
}

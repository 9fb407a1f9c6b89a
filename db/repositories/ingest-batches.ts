import type { Knex } from 'knex';
import { toSqlTime } from './sql-util';

/** One ingest batch as stored (counts are cumulative over every attempt that resumed it). */
export interface IngestBatchRow {
  batchId: number;
  entity: string;
  source: string;
  format: string;
  mapping: string;
  status: 'running' | 'completed' | 'failed';
  resumeKey: string | null;
  fileSha256: string | null;
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  rowsDuplicate: number;
  checkpointLine: number;
  rejectReport: string | null;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
}

/** Counters written with every checkpoint and at the end. */
export interface IngestBatchCounts {
  rowsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
  /** events: accepted rows already stored (same event_key); items/users: rows that updated an existing id */
  rowsDuplicate: number;
  durationMs: number;
  /** absolute path of the NDJSON reject report, or null when nothing was rejected */
  rejectReport: string | null;
}

interface RawRow {
  batch_id: number;
  entity: string;
  source: string;
  format: string;
  mapping: string;
  status: IngestBatchRow['status'];
  resume_key: string | null;
  file_sha256: string | null;
  rows_read: number | string;
  rows_accepted: number | string;
  rows_rejected: number | string;
  rows_duplicate: number | string;
  checkpoint_line: number | string;
  reject_report: string | null;
  error: string | null;
  started_at: string | Date;
  finished_at: string | Date | null;
  duration_ms: number | null;
}

const time = (v: string | Date | null): string | null => (v === null ? null : v instanceof Date ? toSqlTime(v.getTime()) : v);

function fromRaw(r: RawRow): IngestBatchRow {
  return {
    batchId: r.batch_id,
    entity: r.entity,
    source: r.source,
    format: r.format,
    mapping: r.mapping,
    status: r.status,
    resumeKey: r.resume_key,
    fileSha256: r.file_sha256,
    rowsRead: Number(r.rows_read),
    rowsAccepted: Number(r.rows_accepted),
    rowsRejected: Number(r.rows_rejected),
    rowsDuplicate: Number(r.rows_duplicate),
    checkpointLine: Number(r.checkpoint_line),
    rejectReport: r.reject_report,
    error: r.error,
    startedAt: time(r.started_at) ?? '',
    finishedAt: time(r.finished_at),
    durationMs: r.duration_ms,
  };
}

const countColumns = (c: IngestBatchCounts) => ({
  rows_read: c.rowsRead,
  rows_accepted: c.rowsAccepted,
  rows_rejected: c.rowsRejected,
  rows_duplicate: c.rowsDuplicate,
  duration_ms: Math.round(c.durationMs),
  reject_report: c.rejectReport,
});

/** Opens a new batch in status `running`; returns its id. */
export async function createIngestBatch(
  db: Knex,
  b: { entity: string; source: string; format: string; mapping: string; resumeKey: string | null },
): Promise<number> {
  const [id] = await db('ingest_batches').insert({
    entity: b.entity,
    source: b.source.slice(0, 1024),
    format: b.format,
    mapping: b.mapping.slice(0, 64),
    status: 'running',
    resume_key: b.resumeKey?.slice(0, 255) ?? null,
    started_at: toSqlTime(Date.now()),
  });
  if (id === undefined) throw new Error('ingest_batches insert returned no id');
  return id;
}

/** The newest unfinished (running or failed) batch with this resume key, or null. */
export async function findResumableBatch(db: Knex, resumeKey: string): Promise<IngestBatchRow | null> {
  const row = (await db('ingest_batches')
    .where({ resume_key: resumeKey.slice(0, 255) })
    .whereIn('status', ['running', 'failed'])
    .orderBy('batch_id', 'desc')
    .first()) as RawRow | undefined;
  return row ? fromRaw(row) : null;
}

/** Marks a resumed batch as running again (clears its last error). */
export async function reopenIngestBatch(db: Knex, batchId: number): Promise<void> {
  await db('ingest_batches').where({ batch_id: batchId }).update({ status: 'running', error: null, finished_at: null });
}

/** Records a committed chunk: call inside the chunk's transaction so data and checkpoint commit together. */
export async function checkpointIngestBatch(trx: Knex | Knex.Transaction, batchId: number, checkpointLine: number, c: IngestBatchCounts): Promise<void> {
  await trx('ingest_batches').where({ batch_id: batchId }).update({ checkpoint_line: checkpointLine, ...countColumns(c) });
}

/** Marks a batch completed with its final counts and the file's SHA-256. */
export async function completeIngestBatch(db: Knex, batchId: number, c: IngestBatchCounts & { fileSha256: string | null; format: string }): Promise<void> {
  await db('ingest_batches')
    .where({ batch_id: batchId })
    .update({ status: 'completed', file_sha256: c.fileSha256, format: c.format.slice(0, 16), finished_at: toSqlTime(Date.now()), ...countColumns(c) });
}

/** Marks a batch failed; its checkpoint stays, so a retry with the same resume key continues from there. */
export async function failIngestBatch(db: Knex, batchId: number, error: string, durationMs: number): Promise<void> {
  await db('ingest_batches')
    .where({ batch_id: batchId })
    .update({ status: 'failed', error: error.slice(0, 60000), finished_at: toSqlTime(Date.now()), duration_ms: Math.round(durationMs) });
}

/**
 * Marks the batch of a job that failed for good (retries spent, unrecoverable, or stalled too often) as failed,
 * if it is still `running`: a job killed mid-chunk never reached its own error path, and its row must not stay
 * `running` forever. Returns how many rows changed.
 */
export async function failAbandonedIngestBatch(db: Knex, resumeKey: string, error: string): Promise<number> {
  return db('ingest_batches')
    .where({ resume_key: resumeKey.slice(0, 255), status: 'running' })
    .update({ status: 'failed', error: error.slice(0, 60000), finished_at: toSqlTime(Date.now()) });
}

/** One batch (for the API: counts, status and the path of its reject report), or null. */
export async function getIngestBatch(db: Knex, batchId: number): Promise<IngestBatchRow | null> {
  const row = (await db('ingest_batches').where({ batch_id: batchId }).first()) as RawRow | undefined;
  return row ? fromRaw(row) : null;
}

/** The newest batches first. */
export async function listIngestBatches(db: Knex, limit = 50): Promise<IngestBatchRow[]> {
  const rows = (await db('ingest_batches').orderBy('batch_id', 'desc').limit(limit)) as RawRow[];
  return rows.map(fromRaw);
}

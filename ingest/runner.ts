import { resolve } from 'node:path';
import { databaseName, type Config } from '../config';
import type { Db } from '../db/knex';
import {
  checkpointIngestBatch,
  completeIngestBatch,
  createIngestBatch,
  failIngestBatch,
  findResumableBatch,
  reopenIngestBatch,
  type IngestBatchRow,
} from '../db/repositories/ingest-batches';
import { withTransaction } from '../db/repositories/sql-util';
import { safeText, describeIssues } from '../config/errors';
import { IngestInputError } from './errors';
import { formatFromName, openSource, type Source } from './formats/source';
import { resolveMapping } from './mappings/presets';
import type { Mapping } from './mappings/types';
import { ingestOptionsSchema, type IngestOptions, type IngestOptionsInput, type IngestProgress, type IngestResult } from './payload';
import { Rejection } from './reasons';
import { readRecords } from './records';
import { RejectReport } from './rejects';
import { sinkFor, type ChunkCommit, type Sink } from './sinks';
import type { Fields } from './validate';

/** What the runner needs from its caller (the job handler, the CLI, a bench). */
export interface IngestDeps {
  db: Db;
  config: Readonly<Config>;
  log?: (msg: string) => void;
  onProgress?: (p: IngestProgress) => void | Promise<void>;
  /** identifies this ingest across retries (e.g. the job id); default: entity, mapping and the file's path, size and mtime */
  resumeKey?: string;
  /** how the batch names its source (jobs: `uploads/NAME`, never a server path); default: the path */
  sourceLabel?: string;
}

const UPSERT_CHUNK_MAX = 20000;
const PROGRESS_EVERY_MS = 1000;
const FIRST_CHUNK_ROWS = 8192;

/**
 * Streams one file into the database: validates every row, writes good rows in checkpointed chunks (one
 * transaction each, data and checkpoint together), reports bad ones, and resumes an unfinished batch with the
 * same resume key from its checkpoint. Throws IngestInputError (unrecoverable) when the file cannot be ingested.
 */
export async function runIngest(deps: IngestDeps, filePath: string, optionsInput: IngestOptions | IngestOptionsInput = {}): Promise<IngestResult> {
  const parsed = ingestOptionsSchema.safeParse(optionsInput);
  if (!parsed.success) throw new IngestInputError(`invalid ingest options: ${describeIssues(parsed.error.issues)}`);
  const payload = parsed.data;
  const mapping = resolveMapping(payload.mapping, payload.entity);
  const path = resolve(filePath);
  const label = deps.sourceLabel ?? path;
  const source = await openSource(path, label);
  const format = payload.format ?? formatFromName(path);
  const resumeKey = deps.resumeKey ?? `${payload.entity}:${mapping.name}:${path}:${source.size}:${Math.round(source.mtimeMs)}`;
  const log = deps.log ?? ((): void => undefined);

  const previous = await findResumableBatch(deps.db, resumeKey);
  let batchId: number;
  if (previous) {
    batchId = previous.batchId;
    await reopenIngestBatch(deps.db, batchId);
    log(`ingest batch ${batchId}: resuming ${label} after line ${previous.checkpointLine}`);
  } else {
    batchId = await createIngestBatch(deps.db, {
      entity: payload.entity,
      source: label,
      format: `${format ?? 'auto'}${source.gzip ? '.gz' : ''}`,
      mapping: mapping.name,
      resumeKey,
    });
    log(`ingest batch ${batchId}: ${label} (${payload.entity}, mapping ${mapping.name})`);
  }
  const started = Date.now();
  const base = previous ?? null;
  try {
    const rejects = await RejectReport.open(deps.config.REJECTS_DIR, `${databaseName(deps.config.MYSQL_URL)}-batch-${batchId}`, base ? base.checkpointLine : null);
    return await stream(deps, { payload, format, source, batchId, base, rejects, started, sink: sinkFor(mapping, batchId), mapping });
  } catch (err) {
    await failIngestBatch(deps.db, batchId, safeText(err instanceof Error ? `${err.name}: ${err.message}` : String(err)), (base?.durationMs ?? 0) + Date.now() - started).catch(() => undefined);
    throw err;
  }
}

interface StreamArgs {
  payload: IngestOptions;
  format: 'csv' | 'ndjson' | null;
  source: Source;
  batchId: number;
  base: IngestBatchRow | null;
  rejects: RejectReport;
  started: number;
  sink: Sink<unknown>;
  mapping: Mapping;
}

async function stream(deps: IngestDeps, a: StreamArgs): Promise<IngestResult> {
  const { db, config } = deps;
  const { batchId, base, rejects, sink, source } = a;
  const chunkRows = a.payload.entity === 'events' ? config.INGEST_CHUNK_ROWS : Math.min(config.INGEST_CHUNK_ROWS, UPSERT_CHUNK_MAX);
  const skipThrough = base?.checkpointLine ?? 0;
  // Slow start: small first chunks put the database to work early (it loads chunk N while chunk N+1 is parsed),
  // then chunks double up to the configured size.
  let limit = Math.min(chunkRows, FIRST_CHUNK_ROWS);
  const b0 = { read: base?.rowsRead ?? 0, accepted: base?.rowsAccepted ?? 0, rejected: base?.rowsRejected ?? 0, duplicate: base?.rowsDuplicate ?? 0, ms: base?.durationMs ?? 0 };
  let read = 0;
  let accepted = 0;
  let rejected = 0;
  let duplicates = 0;
  let lastLine = 0;
  let format: 'csv' | 'ndjson' = a.format ?? 'csv';
  // At most one chunk is being written while the next one is parsed: the database and the parser overlap.
  // (Held in an object: TypeScript does not track assignments made inside the closures below.)
  const pipe: { inflight: Promise<Error | null> | null } = { inflight: null };

  const progress = async (): Promise<void> => {
    if (!deps.onProgress) return;
    const secs = Math.max(1e-3, (Date.now() - a.started) / 1000);
    await deps.onProgress({
      rowsRead: b0.read + read,
      rowsAccepted: b0.accepted + accepted,
      rowsRejected: b0.rejected + rejected,
      rowsPerSecond: Math.round(read / secs),
      percent: source.size > 0 ? Math.min(100, (100 * source.bytesRead()) / source.size) : null,
    });
  };

  const settle = async (): Promise<void> => {
    const err = await pipe.inflight;
    pipe.inflight = null;
    if (err) throw err;
  };

  /** Commits what the sink holds as one chunk ending at `endLine`, counting `readSoFar` rows read this attempt. */
  const cut = async (endLine: number, readSoFar: number): Promise<void> => {
    const commit: ChunkCommit = sink.take();
    const snap = { read: readSoFar, accepted, rejected };
    await rejects.flush();
    await settle();
    const work = withTransaction(db, async (trx) => {
      const dup = await commit(trx);
      await checkpointIngestBatch(trx, batchId, endLine, {
        rowsRead: b0.read + snap.read,
        rowsAccepted: b0.accepted + snap.accepted,
        rowsRejected: b0.rejected + snap.rejected,
        rowsDuplicate: b0.duplicate + duplicates + dup,
        durationMs: b0.ms + Date.now() - a.started,
        rejectReport: rejects.used ? rejects.path : null,
      });
      return dup;
    }).then((dup) => {
      duplicates += dup;
    });
    // Kept as a value so a failure while the next chunk is parsed is not an unhandled rejection; settle() rethrows it.
    pipe.inflight = work.then(
      () => null,
      (e: unknown) => (e instanceof Error ? e : new Error(String(e))),
    );
  };

  let validate: ((f: Fields) => unknown) | null = null;
  let lastProgress = Date.now();
  try {
    for await (const batch of readRecords(source.stream, { format: a.format, delimiter: a.payload.delimiter, mapping: a.mapping, limits: { maxColumns: config.INGEST_MAX_COLUMNS, maxLineChars: config.INGEST_MAX_LINE_CHARS } })) {
      format = batch.format;
      lastLine = batch.lines;
      if (validate === null && batch.binding !== null) validate = sink.compile(batch.binding);
      for (const rec of batch.records) {
        if (rec.line <= skipThrough) continue;
        read++;
        let row: unknown = rec.error;
        if (row === null) row = validate === null || rec.fields === null ? new Rejection('bad_json', 'no fields') : validate(rec.fields);
        if (row instanceof Rejection) {
          rejected++;
          if (rejects.add(rec.line, row, rec.raw)) await rejects.flush();
          continue;
        }
        if (sink.pending() >= limit && sink.canCutBefore(row)) {
          await cut(rec.line - 1, read - 1); // this row opens the next chunk
          limit = Math.min(chunkRows, limit * 2);
        }
        sink.add(row);
        accepted++;
      }
      if (Date.now() - lastProgress >= PROGRESS_EVERY_MS) {
        lastProgress = Date.now();
        await progress();
      }
    }
    await cut(Math.max(lastLine, skipThrough), read);
    await settle();
  } catch (err) {
    await pipe.inflight; // never leave a chunk mid-transaction behind us
    throw err;
  } finally {
    await rejects.close();
    source.close();
  }

  const durationMs = b0.ms + Date.now() - a.started;
  const result: IngestResult = {
    batchId,
    rowsRead: b0.read + read,
    rowsAccepted: b0.accepted + accepted,
    rowsRejected: b0.rejected + rejected,
    rowsDuplicate: b0.duplicate + duplicates,
    durationMs,
    rejectReport: rejects.used ? rejects.path : null,
    rejectsByReason: { ...rejects.byReason },
  };
  await completeIngestBatch(db, batchId, { ...result, fileSha256: source.sha256(), format: `${format}${source.gzip ? '.gz' : ''}` });
  await progress();
  deps.log?.(`ingest batch ${batchId}: ${result.rowsAccepted} accepted, ${result.rowsRejected} rejected, ${result.rowsDuplicate} duplicate in ${durationMs} ms`);
  return result;
}


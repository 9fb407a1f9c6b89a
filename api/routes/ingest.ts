import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import { Router } from 'express';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { getIngestBatch } from '../../db/repositories/ingest-batches';
import { describeIssues, parsePayload } from '../../jobs/catalogue';
import type { Queues } from '../../jobs/queues';
import { requireScope } from '../auth';
import { ApiError, badRequest, notFound } from '../errors';
import { newSuffix } from './jobs';

/**
 * POST /v1/ingest: the request body (any file: CSV, NDJSON, gzip) is streamed to UPLOAD_DIR, never held in
 * memory, then an ingest job is enqueued on it. UPLOAD_DIR must be storage the ingest workers can read.
 */
/** A query parameter that must appear at most once, as text; 400 naming it otherwise. */
function queryText(q: Record<string, unknown>, name: string): string | undefined {
  const v = q[name];
  if (v === undefined || typeof v === 'string') return v;
  throw badRequest(`${name}: give it once, as text`);
}

/** A full disk is the server's problem, not the client's: 507, with what to do about it. */
const isDiskFull = (err: unknown): boolean => ['ENOSPC', 'EDQUOT'].includes(String((err as { code?: unknown }).code));

export function ingestRouter(config: Readonly<Config>, queues: Queues, readDb: Db): Router {
  const r = Router();
  r.post('/v1/ingest', requireScope(config.API_KEYS, 'jobs'), async (req, res) => {
    const q = req.query as Record<string, unknown>;
    const suffix = newSuffix();
    // The stored name is ours (time-sortable, unique); the client's filename only contributes safe characters.
    const clientName = (queryText(q, 'filename') ?? 'upload').replace(/[^A-Za-z0-9_.-]/g, '_').replace(/^[._-]+/, '').slice(-100) || 'upload';
    const file = `${suffix}-${clientName}`;
    const target = path.join(path.resolve(config.UPLOAD_DIR), file);
    // A shop's own mapping may come as JSON in `mapping`; a preset by its name.
    const mappingText = queryText(q, 'mapping');
    let mapping: unknown = mappingText;
    if (mappingText?.trim().startsWith('{')) {
      try {
        mapping = JSON.parse(mappingText);
      } catch {
        throw badRequest('mapping: not valid JSON');
      }
    }
    // Validate everything before reading a byte of the body.
    const probe = parsePayload('ingest', {
      file,
      dir: 'uploads',
      entity: queryText(q, 'entity'),
      mapping,
      format: queryText(q, 'format'),
      delimiter: queryText(q, 'delimiter'),
    });
    if (!probe.success) throw badRequest(`invalid ingest parameters: ${describeIssues(probe.error.issues)}`);
    const declared = Number(req.header('content-length') ?? NaN);
    if (declared > config.UPLOAD_MAX_BYTES) throw new ApiError(413, 'too_large', `upload is ${declared} bytes; the limit is ${config.UPLOAD_MAX_BYTES}`);

    await mkdir(config.UPLOAD_DIR, { recursive: true });
    let bytes = 0;
    const limiter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        bytes += chunk.length;
        if (bytes > config.UPLOAD_MAX_BYTES) done(new ApiError(413, 'too_large', `upload exceeds the limit of ${config.UPLOAD_MAX_BYTES} bytes`));
        else done(null, chunk);
      },
    });
    try {
      await pipeline(req, limiter, createWriteStream(target, { flags: 'wx' }));
    } catch (err) {
      await rm(target, { force: true });
      if (isDiskFull(err)) throw new ApiError(507, 'insufficient_storage', 'no space left for this upload on the server; nothing was kept: retry later');
      throw err;
    }
    if (bytes === 0) {
      await rm(target, { force: true });
      throw badRequest('the upload is empty: send the file as the request body');
    }
    try {
      const id = await queues.add('ingest', probe.data, suffix);
      res.status(202).json({ id, file, bytes, status: `/v1/jobs/${id}` });
    } catch (err) {
      await rm(target, { force: true }); // not enqueued: nobody would ever read or delete it
      throw err;
    }
  });

  const batchOf = async (raw: unknown) => {
    const batchId = Number(raw);
    if (!Number.isInteger(batchId) || batchId <= 0) throw badRequest('batch id: must be a positive integer');
    const batch = await getIngestBatch(readDb, batchId);
    if (!batch) throw notFound(`no ingest batch ${batchId}`);
    return batch;
  };

  r.get('/v1/ingest/batches/:id', requireScope(config.API_KEYS, 'read'), async (req, res) => {
    const { rejectReport, source, resumeKey: _resumeKey, ...batch } = await batchOf(req.params.id);
    // Server paths stay on the server: the source as the job named it (a CLI path by its file name), the report by its URL.
    res.json({ ...batch, source: path.isAbsolute(source) ? path.basename(source) : source, rejectReportUrl: rejectReport ? `/v1/ingest/batches/${batch.batchId}/rejects` : null });
  });

  // The reject report (NDJSON: line, reason, detail, raw) as the worker wrote it; REJECTS_DIR must be shared.
  r.get('/v1/ingest/batches/:id/rejects', requireScope(config.API_KEYS, 'read'), async (req, res) => {
    const batch = await batchOf(req.params.id);
    if (!batch.rejectReport) throw notFound(`batch ${batch.batchId} rejected no rows`);
    // Read only from REJECTS_DIR, by the report's file name: a tampered row cannot point the API elsewhere.
    const report = path.join(path.resolve(config.REJECTS_DIR), path.basename(batch.rejectReport));
    try {
      await access(report);
    } catch {
      throw notFound(`the reject report of batch ${batch.batchId} is not on this machine's disk`);
    }
    res.type('application/x-ndjson');
    await pipeline(createReadStream(report), res);
  });
  return r;
}

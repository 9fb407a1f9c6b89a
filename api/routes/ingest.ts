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
export function ingestRouter(config: Readonly<Config>, queues: Queues, readDb: Db): Router {
  const r = Router();
  r.post('/v1/ingest', requireScope(config.API_KEYS, 'jobs'), async (req, res) => {
    const q = req.query as Record<string, string | undefined>;
    const suffix = newSuffix();
    const filename = (q.filename ?? 'upload').replace(/[^A-Za-z0-9_.-]/g, '_').slice(-100);
    const target = path.resolve(config.UPLOAD_DIR, `${suffix}-${filename}`);
    // A shop's own mapping may come as JSON in `mapping`; a preset by its name.
    let mapping: unknown = q.mapping;
    if (q.mapping?.trim().startsWith('{')) {
      try {
        mapping = JSON.parse(q.mapping);
      } catch {
        throw badRequest('mapping: not valid JSON');
      }
    }
    // Validate everything but the path before reading a byte of the body.
    const probe = parsePayload('ingest', { path: target, entity: q.entity, mapping, format: q.format, delimiter: q.delimiter });
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
      throw err;
    }
    if (bytes === 0) {
      await rm(target, { force: true });
      throw badRequest('the upload is empty: send the file as the request body');
    }
    const id = await queues.add('ingest', probe.data, suffix);
    res.status(202).json({ id, bytes, path: target, status: `/v1/jobs/${id}` });
  });

  const batchOf = async (raw: unknown) => {
    const batchId = Number(raw);
    if (!Number.isInteger(batchId) || batchId <= 0) throw badRequest('batch id: must be a positive integer');
    const batch = await getIngestBatch(readDb, batchId);
    if (!batch) throw notFound(`no ingest batch ${batchId}`);
    return batch;
  };

  r.get('/v1/ingest/batches/:id', requireScope(config.API_KEYS, 'read'), async (req, res) => {
    const batch = await batchOf(req.params.id);
    res.json({ ...batch, rejectReportUrl: batch.rejectReport ? `/v1/ingest/batches/${batch.batchId}/rejects` : null });
  });

  // The reject report (NDJSON: line, reason, detail, raw) as the worker wrote it; REJECTS_DIR must be shared.
  r.get('/v1/ingest/batches/:id/rejects', requireScope(config.API_KEYS, 'read'), async (req, res) => {
    const batch = await batchOf(req.params.id);
    if (!batch.rejectReport) throw notFound(`batch ${batch.batchId} rejected no rows`);
    try {
      await access(batch.rejectReport);
    } catch {
      throw notFound(`the reject report of batch ${batch.batchId} is not on this machine's disk`);
    }
    res.type('application/x-ndjson');
    await pipeline(createReadStream(batch.rejectReport), res);
  });
  return r;
}

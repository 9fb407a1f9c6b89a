import { createReadStream, createWriteStream } from 'node:fs';
import { access, mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';
import type { Router } from 'express';
import { z } from 'zod';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';
import { getIngestBatch } from '../../db/repositories/ingest-batches';
import { parsePayload, payloadSchemas } from '../../jobs/catalogue';
import { describeIssues } from '../../config/errors';
import type { Queues } from '../../jobs/client/queues';
import { requireScope } from '../auth';
import { ApiError, badRequest, notFound } from '../errors';
import { contractRouter, errorResponse, jsonResponse, type RouteSpec } from '../openapi/contract';
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

// The query is the ingest job's payload (validated by the same schema, parsePayload('ingest')), file name aside.
const payload = payloadSchemas.ingest.shape;
const ingestQuery = z.object({
  filename: z.string().optional().meta({ description: "the client's file name; only its safe characters are kept in the stored name", example: 'events.csv' }),
  entity: payload.entity,
  mapping: z.string().optional().meta({ description: 'a preset name (generic, uci-online-retail) or a mapping object as JSON (see ingest/mappings/schema.ts)', example: 'generic' }),
  format: payload.format,
  delimiter: z.string().min(1).max(3).optional().meta({ description: 'one character, or tab; detected from the header otherwise', example: ';' }),
});
const batchParams = z.object({ id: z.coerce.number().int().positive().meta({ description: 'the batch id from an ingest result', example: 12 }) });
const accepted = z
  .object({ id: z.string(), file: z.string().meta({ description: 'the stored name, for a later ingest job' }), bytes: z.number().int(), status: z.string().meta({ description: 'where to follow the job' }) })
  .meta({ id: 'IngestAccepted' });
const count = z.number().int().min(0);
const batch = z
  .object({
    batchId: z.number().int(),
    entity: z.string(),
    source: z.string().meta({ description: 'the file the job named (a CLI path by its file name)' }),
    format: z.string(),
    mapping: z.string(),
    status: z.enum(['running', 'completed', 'failed']),
    fileSha256: z.string().nullable(),
    rowsRead: count,
    rowsAccepted: count,
    rowsRejected: count,
    rowsDuplicate: count,
    checkpointLine: count,
    error: z.string().nullable(),
    startedAt: z.string().meta({ description: 'UTC' }),
    finishedAt: z.string().nullable(),
    durationMs: z.number().nullable(),
    rejectReportUrl: z.string().nullable().meta({ description: 'the reject report, when rows were rejected' }),
  })
  .meta({ id: 'IngestBatch' });
const CSV_EXAMPLE = 'user_id,item_id,event_type,ts\nu1,i1,view,2024-01-01T00:00:00Z\n';

export const ingestRoutes: RouteSpec[] = [
  {
    method: 'post',
    path: '/v1/ingest',
    summary: 'Upload a file (CSV or NDJSON, optionally gzip) and enqueue its ingest',
    description: 'The body is the file itself, streamed to disk (UPLOAD_MAX_BYTES at most); bad parameters are refused before a byte is read.',
    tags: ['ingest'],
    scope: 'jobs',
    request: {
      query: ingestQuery,
      body: {
        required: true,
        content: { 'text/csv': { schema: z.string(), example: CSV_EXAMPLE }, 'application/x-ndjson': { schema: z.string() }, 'application/gzip': { schema: z.string().meta({ contentEncoding: 'binary' }) } },
      },
    },
    responses: {
      202: jsonResponse('stored and enqueued', accepted, { id: 'ingest-lvq3k2a1-9f8e7d6c', file: 'lvq3k2a1-9f8e7d6c-events.csv', bytes: 52, status: '/v1/jobs/ingest-lvq3k2a1-9f8e7d6c' }),
      400: errorResponse('bad parameters (each named) or an empty body', 'bad_request', 'invalid ingest parameters: entity: Invalid option: expected one of "events"|"items"|"users"'),
      413: errorResponse('larger than UPLOAD_MAX_BYTES', 'too_large', 'upload exceeds the limit of 1073741824 bytes'),
      507: errorResponse('no space left on the server (nothing kept)', 'insufficient_storage', 'no space left for this upload on the server; nothing was kept: retry later'),
    },
  },
  {
    method: 'get',
    path: '/v1/ingest/batches/{id}',
    summary: "An ingest batch's counts and state",
    tags: ['ingest'],
    scope: 'read',
    request: { params: batchParams },
    responses: {
      200: jsonResponse('the batch', batch, {
        batchId: 12, entity: 'events', source: 'lvq3k2a1-9f8e7d6c-events.csv', format: 'csv', mapping: 'generic', status: 'completed', fileSha256: null,
        rowsRead: 541909, rowsAccepted: 536641, rowsRejected: 5268, rowsDuplicate: 0, checkpointLine: 541909, error: null,
        startedAt: '2024-05-01 02:00:00.000', finishedAt: '2024-05-01 02:00:41.000', durationMs: 41210, rejectReportUrl: '/v1/ingest/batches/12/rejects',
      }),
      400: errorResponse('not a positive integer', 'bad_request', 'batch id: must be a positive integer'),
      404: errorResponse('no such batch', 'not_found', 'no ingest batch 12'),
    },
  },
  {
    method: 'get',
    path: '/v1/ingest/batches/{id}/rejects',
    summary: "An ingest batch's reject report",
    description: 'NDJSON, one rejected line per line: `{ "line", "reason", "detail", "raw" }`.',
    tags: ['ingest'],
    scope: 'read',
    request: { params: batchParams },
    responses: {
      200: { description: 'the report', content: { 'application/x-ndjson': { schema: z.string(), example: '{"line":7,"reason":"missing_user","detail":"user_id is empty","raw":",85123A,view,2024-01-01"}\n' } } },
      400: errorResponse('not a positive integer', 'bad_request', 'batch id: must be a positive integer'),
      404: errorResponse('no such batch, no rejected rows, or the report is not on this machine', 'not_found', 'batch 12 rejected no rows'),
    },
  },
];

export function ingestRouter(config: Readonly<Config>, queues: Queues, readDb: Db): Router {
  const r = contractRouter(ingestRoutes);
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
    const parsed = batchParams.shape.id.safeParse(raw);
    if (!parsed.success) throw badRequest('batch id: must be a positive integer');
    const batchId = parsed.data;
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

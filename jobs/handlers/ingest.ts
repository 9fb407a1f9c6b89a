import { rm } from 'node:fs/promises';
import { resolveIngestFile, runIngest } from '../../ingest';
import type { Handler } from '../context';

/** Streams a file of events, items or users into MySQL; bad rows go to the reject report, good rows all land. */
export const ingest: Handler<'ingest'> = async (payload, ctx) => {
  const { file, dir, ...options } = payload;
  // The payload names a file, never a path: it is resolved inside its directory, after symlinks, here.
  const path = await resolveIngestFile(ctx.config, file, dir);
  const result = await runIngest(
    {
      db: ctx.db,
      config: ctx.config,
      log: (m) => ctx.log(m),
      // A retried job (crash, stall) finds its own batch by this key and resumes from the checkpoint.
      resumeKey: ctx.jobId,
      sourceLabel: `${dir}/${file}`,
      onProgress: (p) =>
        ctx.progress(p.percent ?? 0, { rowsRead: p.rowsRead, rowsAccepted: p.rowsAccepted, rowsRejected: p.rowsRejected, rowsPerSecond: Math.round(p.rowsPerSecond) }),
    },
    path,
    options,
  );
  // An upload has served its purpose once its rows are in (a retry before this point still finds it).
  if (dir === 'uploads') await rm(path, { force: true });
  const { rejectReport, ...counts } = result;
  // The report's server path stays in the batch row; clients get its URL.
  return { ...counts, rejectReportUrl: rejectReport ? `/v1/ingest/batches/${result.batchId}/rejects` : null };
};

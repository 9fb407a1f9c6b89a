import { runIngest } from '../ingest';
import type { Handler } from '../context';

/** Streams a file of events, items or users into MySQL; bad rows go to the reject report, good rows all land. */
export const ingest: Handler<'ingest'> = async (payload, ctx) => {
  const result = await runIngest(
    {
      db: ctx.db,
      config: ctx.config,
      log: (m) => ctx.log(m),
      // A retried job (crash, stall) finds its own batch by this key and resumes from the checkpoint.
      resumeKey: ctx.jobId,
      onProgress: (p) =>
        ctx.progress(p.percent ?? 0, { rowsRead: p.rowsRead, rowsAccepted: p.rowsAccepted, rowsRejected: p.rowsRejected, rowsPerSecond: Math.round(p.rowsPerSecond) }),
    },
    payload,
  );
  return { ...result, rejectReportUrl: result.rejectReport ? `/v1/ingest/batches/${result.batchId}/rejects` : null };
};

import { rm } from 'node:fs/promises';
import { failAbandonedIngestBatch } from '../../db/repositories/ingest-batches';
import { parsePayload } from '../catalogue';
import { safeText } from '../../config/errors';
import { resolveIngestFile } from '../../ingest/confine';
import type { Config } from '../../config';
import type { Db } from '../../db/knex';

/** What is known of a job that has failed for good. */
export interface FailedJob {
  id?: string | undefined;
  name: string;
  data: unknown;
}

/**
 * Bookkeeping once a job has failed for good, however it failed (its handler threw for the last time, or its
 * worker died and it stalled too often, in which case the handler never saw the end): an ingest's batch ends
 * `failed`, never `running`, and its upload is deleted (nobody will read it again).
 */
export async function afterFinalFailure(rt: { readonly db: Db; readonly config: Readonly<Config> }, job: FailedJob, reason: string): Promise<void> {
  if (job.name !== 'ingest' || !job.id) return;
  await failAbandonedIngestBatch(rt.db, job.id, safeText(`failed for good: ${reason}`));
  const payload = parsePayload('ingest', job.data);
  if (payload.success && payload.data.dir === 'uploads') {
    const path = await resolveIngestFile(rt.config, payload.data.file, 'uploads').catch(() => null);
    if (path) await rm(path, { force: true });
  }
}

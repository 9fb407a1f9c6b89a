import { Job } from 'bullmq';
import { jobNameFromId } from './catalogue';
import type { Queues } from './queues';

export interface JobStatus {
  id: string;
  name: string;
  state: string;
  progress: unknown;
  attemptsMade: number;
  result: unknown;
  error: string | null;
  createdAt: string;
  finishedAt: string | null;
}

/** A job's state, progress and result or error, found from its id alone (ids encode the job name). */
export async function getJobStatus(queues: Queues, id: string): Promise<JobStatus | null> {
  const name = jobNameFromId(id);
  if (!name) return null;
  const job = await Job.fromId(queues.queueFor(name), id);
  if (!job) return null;
  return {
    id,
    name: job.name,
    state: await job.getState(),
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    result: job.returnvalue ?? null,
    error: job.failedReason || null,
    createdAt: new Date(job.timestamp).toISOString(),
    finishedAt: job.finishedOn ? new Date(job.finishedOn).toISOString() : null,
  };
}

/**
 * Waits (polling) up to `ms` for a job to finish: its result, its failure reason, or 'pending' if still running.
 * Polling costs one Redis read per interval and needs no extra blocking connection, unlike QueueEvents.
 */
export async function waitForOutcome(queues: Queues, id: string, ms: number): Promise<{ state: 'completed'; result: unknown } | { state: 'failed'; error: string } | { state: 'pending' }> {
  const until = Date.now() + ms;
  for (;;) {
    const status = await getJobStatus(queues, id);
    if (status?.state === 'completed') return { state: 'completed', result: status.result };
    if (status?.state === 'failed') return { state: 'failed', error: status.error ?? 'failed' };
    if (Date.now() >= until) return { state: 'pending' };
    await new Promise((r) => setTimeout(r, 100));
  }
}

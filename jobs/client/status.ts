import { Job, type Queue } from 'bullmq';
import { jobNameFromId } from '../catalogue';
import { safeText } from '../../config/errors';
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

/**
 * BullMQ's state, except that an active job whose lock has lapsed reads `stalled`: its worker died, and it
 * waits for the stalled-job check (about STALLED_CHECK_MS) to hand it to another worker.
 */
async function stateOf(queue: Queue, job: Job): Promise<string> {
  const state = await job.getState();
  if (state !== 'active' || !job.id) return state;
  const locked = (await (await queue.backend.client).get(queue.toKey(`${job.id}:lock`))) !== null;
  return locked ? state : 'stalled';
}

/** A job's state, progress and result or error, found from its id alone (ids encode the job name). */
export async function getJobStatus(queues: Queues, id: string): Promise<JobStatus | null> {
  const name = jobNameFromId(id);
  if (!name) return null;
  const queue = queues.queueFor(name);
  const job = await Job.fromId(queue, id);
  if (!job) return null;
  return {
    id,
    name: job.name,
    state: await stateOf(queue, job),
    progress: job.progress,
    attemptsMade: job.attemptsMade,
    result: job.returnvalue ?? null,
    error: job.failedReason ? safeText(job.failedReason) : null,
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

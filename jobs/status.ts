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

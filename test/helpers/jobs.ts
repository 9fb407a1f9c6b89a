import { Job, type Queue } from 'bullmq';

/** Polls a job until it finishes: returns its result, or throws its failure reason (or a timeout). */
export async function waitForJob(queue: Queue, id: string, ms = 120_000): Promise<unknown> {
  const until = Date.now() + ms;
  for (;;) {
    const job = await Job.fromId(queue, id);
    if (!job) throw new Error(`no job ${id}`);
    const state = await job.getState();
    if (state === 'completed') return job.returnvalue;
    if (state === 'failed') throw new Error(job.failedReason);
    if (Date.now() > until) throw new Error(`job ${id} still ${state} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

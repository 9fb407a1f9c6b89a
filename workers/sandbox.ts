import type { SandboxedJob } from 'bullmq';
import { JobRuntime, runJob } from './runtime';
import { sandboxConfig } from './sandbox-config';

/**
 * Sandboxed processor: BullMQ runs this file in a worker thread, so synchronous tfjs kernels and parsing
 * never block the main thread that renews job locks. One runtime (DB pool) per thread, reused across jobs.
 */
const runtime = new JobRuntime(sandboxConfig());

export default async function process(job: SandboxedJob, token?: string): Promise<unknown> {
  return runJob(runtime, job, undefined, token);
}

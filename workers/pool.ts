import path from 'node:path';
import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { ALL_QUEUES, JOB_NAMES, QUEUE_OF, SANDBOXED } from '../jobs/catalogue';
import { createRedis } from '../jobs/redis';
import { openQueues } from '../jobs/queues';
import { afterFinalFailure } from '../jobs/failure';
import { JobRuntime, runJob } from '../jobs/run';
import { NATIVE_TF_PACKAGES } from '../config/schema';
import { CONFIG_ENV, CONFIG_KEY } from './sandbox-config';

/** A worker process's consumers: one BullMQ Worker per configured queue; close() shuts down gracefully. */
export interface WorkerPool {
  workers: Worker[];
  close(): Promise<void>;
}

/**
 * Compiled sandbox entry; BullMQ needs JavaScript here, never a .ts file. When this module itself runs from
 * TypeScript (tests), the compiled copy in dist/ is used (`npm test` builds first).
 */
export const SANDBOX_FILE = __filename.endsWith('.ts') ? path.resolve(__dirname, '../dist/workers/sandbox.js') : path.resolve(__dirname, 'sandbox.js');

const jobsOfQueue = (queue: string): string[] => JOB_NAMES.filter((n) => QUEUE_OF[n] === queue);

/** True when a native TensorFlow package is installed (an optional dependency, absent on most machines). */
function nativeTensorflowInstalled(): boolean {
  return Object.values(NATIVE_TF_PACKAGES).some((pkg) => {
    try {
      require.resolve(pkg);
      return true;
    } catch {
      return false;
    }
  });
}

/**
 * Threads or child processes for sandboxed jobs. Native TensorFlow loads once per process: a second worker
 * thread loading it fails or clobbers the first (tfjs issues 2079 and 8388), so a pool that may load it runs its
 * jobs in child processes.
 */
export function sandboxKind(config: Pick<Config, 'WORKER_SANDBOX_KIND' | 'ML_BACKEND'>, nativeInstalled = nativeTensorflowInstalled): 'thread' | 'process' {
  if (config.WORKER_SANDBOX_KIND !== 'auto') return config.WORKER_SANDBOX_KIND;
  if (config.ML_BACKEND === 'tensorflow' || config.ML_BACKEND === 'tensorflow-gpu') return 'process';
  return config.ML_BACKEND === 'auto' && nativeInstalled() ? 'process' : 'thread';
}

/**
 * Starts consumers for the queues in config (WORKER_QUEUES). Heavy jobs run in sandboxed worker threads;
 * `control` jobs run in-process because they only enqueue a flow or flip a row.
 */
export function startWorkerPool(config: Readonly<Config>, log: (msg: string) => void = console.log): WorkerPool {
  const connection: Redis = createRedis(config.REDIS_URL, 'worker');
  const runtime = new JobRuntime(config);
  connection.on('error', (err) => log(`redis: ${err.message}`));
  const queues = openQueues(config, connection, (err) => log(`queue: ${err.message}`));
  const wanted = new Set<string>(config.WORKER_QUEUES);
  const kind = sandboxKind(config);
  const workers: Worker[] = [];
  for (const queue of ALL_QUEUES.filter((q) => wanted.has(q))) {
    const sandboxed = config.WORKER_SANDBOXED && jobsOfQueue(queue).every((n) => SANDBOXED[n as keyof typeof SANDBOXED]);
    const inline = (job: Job, token?: string): Promise<unknown> => runJob(runtime, job, queues.flows, token);
    const worker = new Worker(queue, sandboxed ? SANDBOX_FILE : inline, {
      connection,
      prefix: config.QUEUE_PREFIX,
      concurrency: config.WORKER_CONCURRENCY,
      useWorkerThreads: kind === 'thread',
      // The sandbox gets this process's validated config, not a fresh read of the environment.
      workerThreadsOptions: { workerData: { [CONFIG_KEY]: config } },
      workerForkOptions: { env: { ...process.env, [CONFIG_ENV]: JSON.stringify(config) } },
      // Heavy jobs run sandboxed, so this thread renews locks on time and a short lock is safe; it bounds how
      // long a job of a worker that died (SIGKILL, lost machine) waits before another worker takes it.
      lockDuration: config.JOB_LOCK_MS,
      stalledInterval: config.STALLED_CHECK_MS,
      maxStalledCount: 2,
    });
    worker.on('failed', (job, err) => {
      log(`job ${job?.id ?? '?'} (${queue}) failed: ${err.message}`);
      if (!job) return;
      // 'failed' fires for every attempt; only a job whose state is now failed has failed for good.
      job
        .getState()
        .then((state) => (state === 'failed' ? afterFinalFailure(runtime, job, err.message) : undefined))
        .catch((e: unknown) => log(`job ${job.id ?? '?'}: bookkeeping after its failure failed: ${String(e)}`));
    });
    worker.on('error', (err) => log(`worker ${queue} error: ${err.message}`));
    workers.push(worker);
  }
  log(`worker consuming ${workers.map((w) => w.name).join(', ')} (${config.WORKER_SANDBOXED ? `sandboxed in ${kind === 'thread' ? 'threads' : 'child processes'}` : 'in-process'}, concurrency ${config.WORKER_CONCURRENCY})`);
  return {
    workers,
    async close() {
      // Worker.close() stops taking jobs and waits for the running ones; past the grace period we force-close
      // and the unfinished job's lock lapses, so another worker retries it (handlers are idempotent).
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close()));
      const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), config.SHUTDOWN_GRACE_MS)));
      if ((await Promise.race([graceful, deadline])) === 'late') {
        log(`jobs still running after ${config.SHUTDOWN_GRACE_MS} ms: force-closing`);
        await Promise.all(workers.map((w) => w.close(true)));
      }
      clearTimeout(timer);
      await queues.close();
      await runtime.close();
      connection.disconnect();
    },
  };
}

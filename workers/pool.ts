import path from 'node:path';
import { MetricsTime, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { createLogger, type Logger } from '../config/logger';
import { ALL_QUEUES, JOB_NAMES, QUEUE_OF, SANDBOXED } from '../jobs/catalogue';
import { createRedis } from '../jobs/client/redis';
import { openQueues } from '../jobs/client/queues';
import { afterFinalFailure } from '../jobs/handlers/final-failure';
import { jobDurationHistogram } from '../jobs/client/job-metrics';
import { JobRuntime, runJob } from './runtime';
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
 * `control` jobs run in-process because they only enqueue a flow or flip a row. Every attempt that ends is
 * timed into the shared job-duration histogram the API's /metrics exposes.
 */
export function startWorkerPool(config: Readonly<Config>, log: Logger = createLogger(config, 'worker')): WorkerPool {
  const connection: Redis = createRedis(config.REDIS_URL, 'worker');
  const runtime = new JobRuntime(config, log);
  connection.on('error', (err) => log.error({ err }, `redis: ${err.message}`));
  const queues = openQueues(config, connection, (err) => log.error({ err }, `queue: ${err.message}`));
  const durations = jobDurationHistogram(connection, config.QUEUE_PREFIX);
  const timed = (queue: string, job: Job, outcome: 'completed' | 'failed'): void => {
    if (job.processedOn) durations.observe({ queue, job: job.name, outcome }, Math.max(0, (job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
  };
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
      // BullMQ's per-minute completed/failed counts: bullmq_job_completed_total and _failed_total at /metrics.
      metrics: { maxDataPoints: MetricsTime.ONE_WEEK },
    });
    worker.on('completed', (job) => timed(queue, job, 'completed'));
    worker.on('failed', (job, err) => {
      const jobLog = log.child({ queue, jobId: job?.id ?? null, job: job?.name ?? null });
      jobLog.warn({ attempt: job?.attemptsMade ?? null, err }, `job failed: ${err.message}`);
      if (!job) return;
      timed(queue, job, 'failed');
      // 'failed' fires for every attempt; only a job whose state is now failed has failed for good.
      job
        .getState()
        .then((state) => (state === 'failed' ? afterFinalFailure(runtime, job, err.message) : undefined))
        .catch((e: unknown) => jobLog.error({ err: e }, 'bookkeeping after the job failed failed'));
    });
    worker.on('error', (err) => log.error({ queue, err }, `worker ${queue} error: ${err.message}`));
    workers.push(worker);
  }
  log.info(
    { queues: workers.map((w) => w.name), sandboxed: config.WORKER_SANDBOXED, sandbox: kind, concurrency: config.WORKER_CONCURRENCY },
    `worker consuming ${workers.map((w) => w.name).join(', ')} (${config.WORKER_SANDBOXED ? `sandboxed in ${kind === 'thread' ? 'threads' : 'child processes'}` : 'in-process'}, concurrency ${config.WORKER_CONCURRENCY})`,
  );
  return {
    workers,
    async close() {
      // Worker.close() stops taking jobs and waits for the running ones; past the grace period we force-close
      // and the unfinished job's lock lapses, so another worker retries it (handlers are idempotent).
      let timer: NodeJS.Timeout | undefined;
      const graceful = Promise.all(workers.map((w) => w.close()));
      const deadline = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), config.SHUTDOWN_GRACE_MS)));
      if ((await Promise.race([graceful, deadline])) === 'late') {
        log.warn(`jobs still running after ${config.SHUTDOWN_GRACE_MS} ms: force-closing`);
        await Promise.all(workers.map((w) => w.close(true)));
      }
      clearTimeout(timer);
      await durations.flush().catch(() => undefined);
      await queues.close();
      await runtime.close();
      connection.disconnect();
    },
  };
}

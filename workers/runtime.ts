import { Queue, type FlowProducer } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config';
import { createLogger, type Logger } from '../config/logger';
import { createDb, type Db } from '../db/knex';
import { isJobName, JOB_OPTIONS, parsePayload, QUEUE_OF, type JobName } from '../jobs/catalogue';
import type { ChildControl, JobContext } from '../jobs/context';
import { createRedis } from '../jobs/client/redis';
import { announcePublished, type PublishedKind } from '../jobs/client/publish-notice';
import { BadInputError, safeText, describeIssues } from '../config/errors';
import { runHandler } from '../jobs/handlers';

/** The minimum of a BullMQ job (in-process or sandboxed) that running a handler needs. */
export interface RunnableJob {
  id?: string | undefined;
  name: string;
  data: unknown;
  attemptsMade: number;
  updateProgress(value: number | object): Promise<void>;
  log(row: string): Promise<unknown> | void;
  /** "prefix:queue", the parent reference its children need */
  queueQualifiedName?: string;
  moveToWaitingChildren?(token: string, opts?: object): Promise<boolean>;
}

/** Long-lived resources of a worker process or thread: one writer pool and the queues children go to, opened on first use. */
export class JobRuntime {
  private pool: Db | undefined;
  private redis: Redis | undefined;
  private readonly queues = new Map<string, Queue>();
  constructor(
    readonly config: Readonly<Config>,
    /** the process's (or sandbox thread's) logger; each job logs through a child of it */
    readonly log: Logger = createLogger(config, 'worker'),
  ) {}

  get db(): Db {
    this.pool ??= createDb(this.config.MYSQL_URL, this.config.MYSQL_POOL_MAX, this.log);
    return this.pool;
  }

  /** Announces a publish on the deployment's channel (see publish-notice.ts). */
  async announcePublished(kind: PublishedKind, runId: number): Promise<void> {
    this.redis ??= createRedis(this.config.REDIS_URL, 'worker');
    await announcePublished(this.redis, this.config.QUEUE_PREFIX, kind, runId);
  }

  /** The queue a job name goes to (for adding children from inside a job, sandbox threads included). */
  queueOf(name: JobName): Queue {
    const q = QUEUE_OF[name];
    let queue = this.queues.get(q);
    if (!queue) {
      this.redis ??= createRedis(this.config.REDIS_URL, 'worker');
      queue = new Queue(q, { connection: this.redis, prefix: this.config.QUEUE_PREFIX });
      this.queues.set(q, queue);
    }
    return queue;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    this.redis?.disconnect();
    this.redis = undefined;
  }
}

/** Children per addBulk call: bounds each Redis round trip however many shards a run has. */
const ADD_BULK_CHUNK = 500;

/** Fan-out for a job running under a worker (it needs the worker's lock token to park the job). */
function childControl(rt: JobRuntime, job: RunnableJob, token: string | undefined): ChildControl | undefined {
  const park = job.moveToWaitingChildren?.bind(job);
  if (!token || !park || !job.id || !job.queueQualifiedName) return undefined;
  const parent = { id: job.id, queue: job.queueQualifiedName };
  return {
    async add(children) {
      // Grouped per job name (one queue each), then added in bounded addBulk calls: each call is atomic and
      // ids are deterministic, so a re-run that adds a chunk again duplicates nothing.
      const byName = new Map<JobName, typeof children>();
      for (const c of children) byName.set(c.name, [...(byName.get(c.name) ?? []), c]);
      for (const [name, list] of byName) {
        for (let i = 0; i < list.length; i += ADD_BULK_CHUNK) {
          await rt.queueOf(name).addBulk(list.slice(i, i + ADD_BULK_CHUNK).map((c) => ({
            name: c.name, data: c.data, opts: { ...JOB_OPTIONS[c.name], jobId: c.jobId, parent, failParentOnFailure: true },
          })));
        }
      }
    },
    waitForChildren: () => park(token),
  };
}

/**
 * BullMQ stores a failed job's message and stack in Redis, and the API returns the message: both are cut to a
 * bounded, escaped size here, so an input that ends up in an error (a 5 MB header, binary bytes) is never echoed whole.
 */
function bounded(err: unknown): unknown {
  if (!(err instanceof Error)) return new Error(safeText(String(err)));
  const message = safeText(err.message);
  if (message !== err.message) {
    const frames = (err.stack ?? '').split('\n').filter((l) => l.trimStart().startsWith('at ')).slice(0, 10);
    err.message = message;
    err.stack = [`${err.name}: ${message}`, ...frames].join('\n');
  }
  return err;
}

/** Validates the payload against the catalogue and runs the job's one handler with its context. */
export async function runJob(rt: JobRuntime, job: RunnableJob, flows?: FlowProducer, token?: string): Promise<unknown> {
  if (!isJobName(job.name)) throw new BadInputError(`unknown job "${job.name}"`);
  const name: JobName = job.name;
  const parsed = parsePayload(name, job.data);
  if (!parsed.success) {
    throw new BadInputError(safeText(`invalid ${name} payload: ${describeIssues(parsed.error.issues)}`));
  }
  const attempt = job.attemptsMade + 1;
  // Every line of this job carries its id, type, queue and attempt.
  const logger = rt.log.child({ jobId: job.id ?? null, job: name, queue: QUEUE_OF[name], attempt });
  const log = (message: string): void => {
    // Job logs (Bull Board) are best effort: a failed log write must not fail (or crash) the job.
    Promise.resolve(job.log(message)).catch(() => undefined);
    logger.info(message);
  };
  const ctx: JobContext = {
    jobId: job.id ?? name,
    attempt,
    db: rt.db,
    config: rt.config,
    log,
    logger,
    progress: (percent, detail) => job.updateProgress({ percent: Math.round(percent), ...detail }),
    announcePublished: (kind, runId) => rt.announcePublished(kind, runId),
    ...(flows ? { flows } : {}),
  };
  const children = childControl(rt, job, token);
  if (children) ctx.children = children;
  try {
    return await runHandler(name, parsed.data, ctx);
  } catch (err) {
    throw bounded(err);
  }
}

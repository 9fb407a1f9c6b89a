import type { FlowProducer } from 'bullmq';
import type { Config } from '../config';
import { createDb, type Db } from '../db/knex';
import { describeIssues, isJobName, parsePayload, type JobName } from './catalogue';
import type { Handler, JobContext } from './context';
import { BadInputError } from './errors';
import { handlers } from './handlers';
import { InsufficientDataError } from '../ml/errors';

/** The minimum of a BullMQ job (in-process or sandboxed) that running a handler needs. */
export interface RunnableJob {
  id?: string | undefined;
  name: string;
  data: unknown;
  attemptsMade: number;
  updateProgress(value: number | object): Promise<void>;
  log(row: string): Promise<unknown> | void;
}

/** Long-lived resources of a worker process or thread: one writer pool, opened on first use. */
export class JobRuntime {
  private pool: Db | undefined;
  constructor(readonly config: Readonly<Config>) {}

  get db(): Db {
    this.pool ??= createDb(this.config.MYSQL_URL, this.config.MYSQL_POOL_MAX);
    return this.pool;
  }

  async close(): Promise<void> {
    await this.pool?.destroy();
    this.pool = undefined;
  }
}

/** Validates the payload against the catalogue and runs the job's one handler with its context. */
export async function runJob(rt: JobRuntime, job: RunnableJob, flows?: FlowProducer): Promise<unknown> {
  if (!isJobName(job.name)) throw new BadInputError(`unknown job "${job.name}"`);
  const name: JobName = job.name;
  const parsed = parsePayload(name, job.data);
  if (!parsed.success) {
    throw new BadInputError(`invalid ${name} payload: ${describeIssues(parsed.error.issues)}`);
  }
  const log = (message: string): void => {
    // Job logs are best effort: a failed log write must not fail (or crash) the job.
    Promise.resolve(job.log(message)).catch(() => undefined);
    if (rt.config.LOG_LEVEL !== 'silent') console.log(`[${name} ${job.id ?? ''}] ${message}`);
  };
  const ctx: JobContext = {
    jobId: job.id ?? name,
    attempt: job.attemptsMade + 1,
    db: rt.db,
    config: rt.config,
    log,
    progress: (percent, detail) => job.updateProgress({ percent: Math.round(percent), ...detail }),
    ...(flows ? { flows } : {}),
  };
  const handler = handlers[name] as Handler<typeof name>;
  try {
    return await handler(parsed.data, ctx);
  } catch (err) {
    // Too little data to learn from will not improve on retry: fail once, with the model's own explanation.
    if (err instanceof InsufficientDataError) throw new BadInputError(err.message);
    throw err;
  }
}

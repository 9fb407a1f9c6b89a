import { FlowProducer, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../../config';
import { ALL_QUEUES, JOB_OPTIONS, QUEUE_OF, jobIdFor, type JobName, type JobPayload } from '../catalogue';

/** The queues of the catalogue on one Redis connection, plus a flow producer; close() releases them. */
export interface Queues {
  byName: Map<string, Queue>;
  flows: FlowProducer;
  add<K extends JobName>(name: K, payload: JobPayload<K>, idSuffix: string): Promise<string>;
  queueFor(name: JobName): Queue;
  close(): Promise<void>;
}

/** Opens every queue of the catalogue under the configured prefix. */
export function openQueues(config: Pick<Config, 'QUEUE_PREFIX'>, connection: Redis, onError: (err: Error) => void = () => undefined): Queues {
  const byName = new Map<string, Queue>(ALL_QUEUES.map((q) => [q, new Queue(q, { connection, prefix: config.QUEUE_PREFIX })]));
  // Connection errors surface on every queue; without a listener BullMQ prints each one to stderr.
  for (const q of byName.values()) q.on('error', onError);
  const flows = new FlowProducer({ connection, prefix: config.QUEUE_PREFIX });
  const queueFor = (name: JobName): Queue => {
    const q = byName.get(QUEUE_OF[name]);
    if (!q) throw new Error(`no queue for job ${name}`);
    return q;
  };
  return {
    byName,
    flows,
    queueFor,
    async add(name, payload, idSuffix) {
      const job = await queueFor(name).add(name, payload, { ...JOB_OPTIONS[name], jobId: jobIdFor(name, idSuffix) });
      if (!job.id) throw new Error(`BullMQ returned no id for ${name}`);
      return job.id;
    },
    async close() {
      await Promise.all([...byName.values()].map((q) => q.close()));
      await flows.close();
    },
  };
}

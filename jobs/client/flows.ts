import type { FlowJob } from 'bullmq';
import { JOB_OPTIONS, QUEUE_OF, jobIdFor, type JobName, type JobPayload } from '../catalogue';

function node<K extends JobName>(name: K, data: JobPayload<K>, key: string, children?: FlowJob[]): FlowJob {
  return {
    name,
    queueName: QUEUE_OF[name],
    data,
    // A child that fails for good fails its parent, so a broken step stops the chain visibly instead of
    // leaving the rest of the flow in waiting-children forever.
    opts: { ...JOB_OPTIONS[name], jobId: jobIdFor(name, key), failParentOnFailure: true },
    ...(children ? { children } : {}),
  };
}

/**
 * The nightly chain as one BullMQ flow: a parent runs only after its child, so the tree
 * segment ← score-all-users ← train ← preprocess (← ingest) executes bottom-up in that order.
 * `key` makes job ids deterministic: adding the same night twice does not duplicate work.
 */
export function nightlyFlow(payload: JobPayload<'nightly-pipeline'>, key: string): FlowJob {
  const excludedItemIds = payload.excludedItemIds;
  const ingest = payload.withIngest ? [node('ingest', { ...payload.withIngest, entity: 'events' }, key)] : undefined;
  const pre = node('preprocess', excludedItemIds ? { excludedItemIds } : {}, key, ingest);
  const train = node('train', excludedItemIds ? { excludedItemIds } : {}, key, [pre]);
  const score = node('score-all-users', excludedItemIds ? { excludedItemIds } : {}, key, [train]);
  return node('segment', {}, key, [score]);
}

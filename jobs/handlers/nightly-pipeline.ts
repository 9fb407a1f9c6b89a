import { nightlyFlow } from '../client/flows';
import type { Handler } from '../context';

/** The scheduler's trigger: adds tonight's flow (idempotent per trigger job id). */
export const nightlyPipeline: Handler<'nightly-pipeline'> = async (payload, ctx) => {
  if (!ctx.flows) throw new Error('nightly-pipeline needs a flow producer in its context');
  const key = ctx.jobId.replace(/^nightly-pipeline-/, '');
  const tree = await ctx.flows.add(nightlyFlow(payload, key));
  return { rootJobId: tree.job.id, key };
};

import { ArtifactRefusedError } from '../../db/repositories/model-artifacts';
import { BadInputError, safeText } from '../../config/errors';
import { InsufficientDataError } from '../../ml/errors';
import type { JobName, JobPayload } from '../catalogue';
import type { Handler, HandlerTable, JobContext } from '../context';
import { ingest } from './ingest';
import { activateModelHandler } from './activate-model';
import { nightlyPipeline } from './nightly-pipeline';
import { preprocess } from './preprocess';
import { scoreAllUsers } from './score-all-users';
import { scoreShard } from './score-shard';
import { segment } from './segment';
import { train } from './train';

/** Exactly one handler per catalogue entry (the mapped type makes a missing or extra one a compile error). */
export const handlers: HandlerTable = {
  ingest,
  preprocess,
  train,
  'score-all-users': scoreAllUsers,
  'score-shard': scoreShard,
  segment,
  'nightly-pipeline': nightlyPipeline,
  'activate-model': activateModelHandler,
};

/**
 * Runs the one handler of a job on its parsed payload. Whether a failure is worth retrying is decided here by the
 * error's type: what will fail the same way again is rethrown as unrecoverable, with its own explanation.
 */
export async function runHandler<K extends JobName>(name: K, payload: JobPayload<K>, ctx: JobContext): Promise<unknown> {
  const handler = handlers[name] as Handler<K>;
  try {
    return await handler(payload, ctx);
  } catch (err) {
    // Too little data to learn from will not improve on retry: fail once, with the model's own explanation.
    if (err instanceof InsufficientDataError) throw new BadInputError(safeText(err.message));
    // A database that refuses the artefact's packets refuses them again: fail once, naming max_allowed_packet.
    if (err instanceof ArtifactRefusedError) throw new BadInputError(safeText(err.message));
    throw err;
  }
}

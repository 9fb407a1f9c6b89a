import type { HandlerTable } from '../context';
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

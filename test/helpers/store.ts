import type { Config } from '../../config';
import { createLogger } from '../../config/logger';
import type { Db } from '../../db/knex';
import type { JobContext } from '../../jobs/context';
import { preprocess } from '../../jobs/handlers/preprocess';

/** A context for calling a handler directly (no BullMQ job): progress and log lines go nowhere. */
export function directContext(db: Db, config: Readonly<Config>, jobId: string): JobContext {
  return { jobId, attempt: 1, db, config, progress: () => Promise.resolve(), log: () => undefined, logger: createLogger({ LOG_LEVEL: 'silent' }, 'worker') };
}

/** Runs preprocess in-process: the training store every later stage reads, built from the `events` table. */
export async function buildTrainingStore(db: Db, config: Readonly<Config>, payload: { excludedItemIds?: string[] } = {}): Promise<Record<string, unknown>> {
  return (await preprocess(payload, directContext(db, config, `preprocess-${Date.now()}`))) as Record<string, unknown>;
}

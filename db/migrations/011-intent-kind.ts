import type { Migration } from './types';

/**
 * What a scoring run's intent scores are: `model` (learned from labelled windows) or `rule` (no window had both
 * buyers and non-buyers, e.g. everyone buys every week: the scores are a transparent rule). Served with each score.
 */
export const intentKindMigrations: Migration[] = [
  {
    name: '033_score_runs_intent_kind',
    up: async (knex) => {
      await knex.raw("ALTER TABLE score_runs ADD COLUMN intent_kind VARCHAR(8) NULL");
    },
    down: async (knex) => {
      await knex.raw('ALTER TABLE score_runs DROP COLUMN intent_kind');
    },
  },
];

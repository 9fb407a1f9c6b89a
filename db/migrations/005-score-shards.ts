import { createTable, type Migration } from './types';

/**
 * Scoring fans out as one `score-shard` job per user bucket, on any worker. Each shard records itself in the
 * same transaction as its rows, so the parent publishes only when every shard of its run is really there.
 */
export const scoreShardMigrations: Migration[] = [
  {
    name: '014_score_runs_job_id',
    up: async (knex) => {
      // The BullMQ job that owns the run: a re-run of that job (after its shards finish) finds its run here.
      // One statement (column and index together): DDL commits implicitly, so a migration is one DDL.
      await knex.raw('ALTER TABLE score_runs ADD COLUMN job_id VARCHAR(128) NULL, ADD INDEX score_runs_job_id (job_id)');
    },
    down: async (knex) => {
      await knex.raw('ALTER TABLE score_runs DROP INDEX score_runs_job_id, DROP COLUMN job_id');
    },
  },
  createTable('015_score_run_shards', 'score_run_shards', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.smallint('shard').unsigned().notNullable();
    t.integer('users').unsigned().notNullable();
    t.specificType('finished_at', 'DATETIME(3)').notNullable();
    t.primary(['run_id', 'shard']);
  }),
];

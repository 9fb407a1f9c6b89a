import { createTable, type Migration } from './types';

/**
 * Published outputs. Every row carries its run id; readers join through `published_runs`, whose one-row
 * flip is the atomic publish. Older runs stay for rollback until pruned.
 */
export const outputMigrations: Migration[] = [
  createTable('008_score_runs', 'score_runs', (t) => {
    t.increments('run_id').primary();
    t.string('kind', 16).notNullable(); // scores | segments
    t.integer('model_version').unsigned().nullable();
    t.string('status', 16).notNullable(); // running | complete | published | failed
    t.integer('users').unsigned().notNullable().defaultTo(0);
    t.json('params').notNullable();
    t.specificType('started_at', 'DATETIME(3)').notNullable();
    t.specificType('finished_at', 'DATETIME(3)').nullable();
  }),
  createTable('009_recommendations', 'recommendations', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('user_id', 64).notNullable();
    t.string('list', 16).notNullable(); // for-you | discover
    t.tinyint('rank').unsigned().notNullable();
    t.string('item_id', 64).notNullable();
    t.double('score').notNullable();
    t.string('reason', 32).notNullable(); // bought-before | bought-with | popular-in-category | trending | similar-taste
    t.string('reason_item_id', 64).nullable();
    t.primary(['run_id', 'user_id', 'list', 'rank']);
  }),
  createTable('010_user_intent', 'user_intent', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('user_id', 64).notNullable();
    t.double('probability').notNullable();
    t.smallint('horizon_days').unsigned().notNullable();
    t.primary(['run_id', 'user_id']);
  }),
  createTable('011_segments', 'segments', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('segment_id', 64).notNullable();
    t.string('label', 128).notNullable();
    t.string('description', 512).notNullable();
    t.integer('size').unsigned().notNullable();
    t.json('profile').notNullable();
    t.primary(['run_id', 'segment_id']);
  }),
  createTable('012_segment_members', 'segment_members', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('segment_id', 64).notNullable();
    t.string('user_id', 64).notNullable();
    t.primary(['run_id', 'segment_id', 'user_id']);
  }),
  createTable('013_published_runs', 'published_runs', (t) => {
    t.string('kind', 16).primary(); // scores | segments
    t.integer('run_id').unsigned().notNullable();
    t.integer('previous_run_id').unsigned().nullable();
    t.specificType('published_at', 'DATETIME(3)').notNullable();
  }),
];

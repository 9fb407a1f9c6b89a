import { createTable, type Migration } from './types';

/**
 * Item-level outputs of a scoring run, published with it through the same `published_runs` pointer: the
 * "similar items" of each item page, and the lists served to customers the run has never seen (cold start).
 */
export const servingItemMigrations: Migration[] = [
  createTable('030_similar_items', 'similar_items', (t) => {
    t.integer('run_id').unsigned().notNullable();
    t.string('item_id', 64).notNullable();
    t.tinyint('rank').unsigned().notNullable();
    t.string('similar_item_id', 64).notNullable();
    t.double('score').notNullable();
    t.string('reason', 32).notNullable(); // bought-with | similar-interest
    t.primary(['run_id', 'item_id', 'rank']);
  }),
  createTable('031_run_item_lists', 'run_item_lists', (t) => {
    t.integer('run_id').unsigned().notNullable();
    // cold-start:for-you | cold-start:discover (unknown customers) | popular (the whole catalogue, to fill a category filter)
    t.string('list', 32).notNullable();
    t.integer('rank').unsigned().notNullable();
    t.string('item_id', 64).notNullable();
    t.double('score').notNullable();
    t.string('reason', 32).notNullable();
    t.primary(['run_id', 'list', 'rank']);
  }),
  {
    name: '032_score_runs_cold_start_intent',
    // The purchase probability served to a customer the run has never seen (the model's base rate).
    up: async (knex) => {
      await knex.raw('ALTER TABLE score_runs ADD COLUMN cold_start_intent DOUBLE NULL');
    },
    down: async (knex) => {
      await knex.raw('ALTER TABLE score_runs DROP COLUMN cold_start_intent');
    },
  },
];

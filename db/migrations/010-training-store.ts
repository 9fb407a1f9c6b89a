import { COLUMN_LIMITS } from '../events/row';
import { featureMigrations } from './002-features';
import { createTable, type Migration } from './types';

/**
 * The training store (issue 10): preprocess cleans the raw events once and writes them here, each row with its
 * customer's bucket (the top bits of CRC32(user_id): db/events/buckets.ts, computed once on load). The primary key leads with
 * (bucket, user_id, occurred_at), so a bucket range is one sequential stretch of the clustered index: train
 * samples whole buckets, and every scoring shard reads only its range. Preprocess rebuilds the three tables
 * beside the live ones and swaps them in with one RENAME (db/events/store-write.ts).
 * Names carry the file's number so they cannot clash with another file's migrations.
 */
export const trainingStoreMigrations: Migration[] = [
  createTable('010-training-store_01_training_events', 'training_events', (t) => {
    t.smallint('bucket').unsigned().notNullable();
    t.string('user_id', COLUMN_LIMITS.id).notNullable();
    t.specificType('occurred_at', 'DATETIME(3)').notNullable();
    // The raw event's key: tells apart a customer's events at the same instant, and traces a row to `events`.
    t.bigInteger('event_key').unsigned().notNullable();
    t.string('item_id', COLUMN_LIMITS.id).nullable();
    t.tinyint('event_type').unsigned().notNullable();
    // Cleaned: purchases carry a quantity (1 when the file had none) and a positive price or NULL (unknown);
    // a negative quantity marks a return or cancellation, kept apart from what models learn items from.
    t.integer('quantity').nullable();
    t.decimal('price', 14, 4).nullable();
    t.integer('dwell_ms').unsigned().nullable();
    t.string('query', COLUMN_LIMITS.query).nullable();
    t.string('session_id', COLUMN_LIMITS.id).nullable();
    t.primary(['bucket', 'user_id', 'occurred_at', 'event_key']);
  }),
  // Customers and rows per bucket: shards and the training sample are planned from these 4,096 rows.
  createTable('010-training-store_02_training_buckets', 'training_buckets', (t) => {
    t.smallint('bucket').unsigned().primary();
    t.integer('customers').unsigned().notNullable();
    t.integer('events').unsigned().notNullable();
    t.integer('returns').unsigned().notNullable();
  }),
  // One row: what the store holds and how it was cleaned (the clean-quality report train repeats).
  createTable('010-training-store_03_training_store', 'training_store', (t) => {
    t.tinyint('id').unsigned().primary();
    t.smallint('buckets').unsigned().notNullable();
    t.bigInteger('raw_events').unsigned().notNullable();
    t.bigInteger('events').unsigned().notNullable();
    t.bigInteger('returns').unsigned().notNullable();
    t.integer('customers').unsigned().notNullable();
    t.specificType('first_at', 'DATETIME(3)').nullable();
    t.specificType('last_at', 'DATETIME(3)').nullable();
    t.specificType('as_of', 'DATETIME(3)').notNullable();
    t.json('excluded_item_ids').notNullable();
    t.json('quality').notNullable();
    t.specificType('built_at', 'DATETIME(3)').notNullable();
  }),
  // Nothing read `interactions`: train and scoring build their (user, item) aggregates from the store.
  {
    name: '010-training-store_04_drop_interactions',
    up: async (knex) => {
      await knex.schema.dropTableIfExists('interactions');
    },
    down: async (knex) => {
      const create = featureMigrations.find((m) => m.name === '005_interactions');
      if (create) await create.up(knex);
    },
  },
];

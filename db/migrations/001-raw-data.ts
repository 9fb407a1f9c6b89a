import { COLUMN_LIMITS } from '../events/row';
import { createTable, type Migration } from './types';

/** Raw data as shops send it: ingest batches, users, items and events. Ids are the shop's own strings. */
export const rawDataMigrations: Migration[] = [
  createTable('001_ingest_batches', 'ingest_batches', (t) => {
    t.increments('batch_id').primary();
    t.string('entity', 16).notNullable(); // events | items | users
    t.string('source', 1024).notNullable();
    t.string('format', 16).notNullable();
    t.string('mapping', 64).notNullable();
    t.string('status', 16).notNullable(); // running | completed | failed
    t.string('file_sha256', 64).nullable();
    // Identifies "the same ingest" across retries (a job id, or entity+mapping+file identity): an unfinished
    // batch with the same key is resumed from its checkpoint instead of starting over.
    t.string('resume_key', 255).nullable();
    t.bigInteger('rows_read').unsigned().notNullable().defaultTo(0);
    t.bigInteger('rows_accepted').unsigned().notNullable().defaultTo(0);
    t.bigInteger('rows_rejected').unsigned().notNullable().defaultTo(0);
    t.bigInteger('rows_duplicate').unsigned().notNullable().defaultTo(0);
    t.bigInteger('checkpoint_line').unsigned().notNullable().defaultTo(0);
    t.string('reject_report', 1024).nullable();
    t.text('error').nullable();
    t.specificType('started_at', 'DATETIME(3)').notNullable();
    t.specificType('finished_at', 'DATETIME(3)').nullable();
    t.integer('duration_ms').unsigned().nullable();
    t.index(['file_sha256']);
    t.index(['resume_key']);
  }),
  createTable('002_users', 'users', (t) => {
    t.string('user_id', COLUMN_LIMITS.id).primary();
    t.json('attributes').nullable();
    t.integer('batch_id').unsigned().nullable();
    t.specificType('updated_at', 'DATETIME(3)').notNullable();
  }),
  createTable('003_items', 'items', (t) => {
    t.string('item_id', COLUMN_LIMITS.id).primary();
    t.string('title', COLUMN_LIMITS.title).nullable();
    t.string('category', COLUMN_LIMITS.category).nullable(); // a path: "Home > Kitchen > Mugs"
    t.decimal('price', 14, 4).nullable();
    t.boolean('in_stock').notNullable().defaultTo(true);
    t.json('attributes').nullable();
    t.integer('batch_id').unsigned().nullable();
    t.specificType('updated_at', 'DATETIME(3)').notNullable();
  }),
  // Narrow rows and a single 64-bit key are what keep ingest near LOAD DATA speed (ARCHITECTURE.md):
  // event_key is a content hash (with the row's occurrence number among identical rows of its file), so a
  // re-ingest or a resumed ingest adds every event exactly once.
  createTable('004_events', 'events', (t) => {
    t.bigInteger('event_key').unsigned().primary();
    t.string('user_id', COLUMN_LIMITS.id).notNullable();
    t.string('item_id', COLUMN_LIMITS.id).nullable();
    t.tinyint('event_type').unsigned().notNullable(); // EVENT_TYPE_CODE (db/events/row.ts)
    t.specificType('occurred_at', 'DATETIME(3)').notNullable();
    t.integer('quantity').nullable(); // purchases: negative for cancellations / returns
    t.decimal('price', 14, 4).nullable();
    t.integer('dwell_ms').unsigned().nullable(); // views
    t.string('query', COLUMN_LIMITS.query).nullable(); // searches
    t.string('session_id', COLUMN_LIMITS.id).nullable();
    t.integer('batch_id').unsigned().notNullable();
  }),
];

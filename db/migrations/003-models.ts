import { createTable, type Migration } from './types';

/** The model registry: every trained version with its metrics, baselines from the same run and its artifact. */
export const modelMigrations: Migration[] = [
  createTable('007_models', 'models', (t) => {
    t.increments('version').primary();
    t.string('kind', 32).notNullable();
    t.string('status', 16).notNullable(); // active | inactive
    t.string('backend', 32).notNullable();
    t.json('params').notNullable();
    t.json('data_window').notNullable();
    t.json('metrics').notNullable();
    t.json('baselines').notNullable();
    t.text('decision').notNullable(); // why it was or was not promoted
    t.double('train_seconds').notNullable();
    t.specificType('artifact', 'LONGBLOB').notNullable();
    t.specificType('created_at', 'DATETIME(3)').notNullable();
    t.specificType('activated_at', 'DATETIME(3)').nullable();
    t.index(['status']);
  }),
];

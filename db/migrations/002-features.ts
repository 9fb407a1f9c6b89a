import { createTable, type Migration } from './types';

/** What preprocess derives from raw events; rebuilt whole on every preprocess run. */
export const featureMigrations: Migration[] = [
  createTable('005_interactions', 'interactions', (t) => {
    t.string('user_id', 64).notNullable();
    t.string('item_id', 64).notNullable();
    t.integer('purchases').unsigned().notNullable().defaultTo(0); // purchase lines
    t.integer('quantity').notNullable().defaultTo(0);
    t.double('revenue').notNullable().defaultTo(0);
    t.integer('carts').unsigned().notNullable().defaultTo(0);
    t.integer('views').unsigned().notNullable().defaultTo(0);
    t.integer('searches').unsigned().notNullable().defaultTo(0);
    t.double('weight').notNullable().defaultTo(0); // event-type weighted, recency-decayed strength
    t.specificType('first_at', 'DATETIME(3)').notNullable();
    t.specificType('last_at', 'DATETIME(3)').notNullable();
    t.primary(['user_id', 'item_id']);
  }),
  createTable('006_user_features', 'user_features', (t) => {
    t.string('user_id', 64).primary();
    t.double('recency_days').notNullable();
    t.integer('frequency').unsigned().notNullable(); // distinct orders (purchase sessions)
    t.double('monetary').notNullable();
    t.double('tenure_days').notNullable();
    t.integer('purchase_lines').unsigned().notNullable();
    t.integer('events').unsigned().notNullable();
    t.specificType('first_at', 'DATETIME(3)').notNullable();
    t.specificType('last_at', 'DATETIME(3)').notNullable();
    t.specificType('as_of', 'DATETIME(3)').notNullable();
  }),
];

import { featureMigrations } from './002-features';
import type { Migration } from './types';

/**
 * Nothing read `user_features` (issue 10: tables nothing reads are removed): segment reduces every customer from
 * the training store itself, with more than these columns (event mix, taste, (customer, item) rows), in one pass.
 * Names carry the file's number so they cannot clash with another file's migrations.
 */
export const dropUserFeatureMigrations: Migration[] = [
  {
    name: '012-drop-user-features_01_drop_user_features',
    up: async (knex) => {
      await knex.schema.dropTableIfExists('user_features');
    },
    down: async (knex) => {
      const create = featureMigrations.find((m) => m.name === '006_user_features');
      if (create) await create.up(knex);
    },
  },
];

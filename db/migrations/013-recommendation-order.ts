import type { Migration } from './types';

/**
 * `recommendations` keyed by (run_id, user_hash, user_id, list, rank), user_hash = CRC32(user_id) (issue 10).
 * Keyed by the id alone, a scoring shard's customers (a range of store buckets, i.e. of hashes) scattered over the
 * whole run's index: once the run outgrew the InnoDB buffer pool every page of results touched uncached index
 * pages, and the write rate fell by half over a run. Keyed by the hash first, a shard's pages append one after
 * another (`npm run bench -- writes`). Readers look customers up by (CRC32(id), id), which the key serves as ranges.
 * Names carry the file's number so they cannot clash with another file's migrations.
 */
export const recommendationOrderMigrations: Migration[] = [
  {
    name: '013-recommendation-order_01_user_hash_key',
    up: async (knex) => {
      await knex.raw('ALTER TABLE recommendations ADD COLUMN user_hash INT UNSIGNED NOT NULL DEFAULT 0 AFTER run_id');
      await knex.raw('UPDATE recommendations SET user_hash = CRC32(user_id)');
      await knex.raw('ALTER TABLE recommendations ALTER COLUMN user_hash DROP DEFAULT, DROP PRIMARY KEY, ADD PRIMARY KEY (run_id, user_hash, user_id, list, `rank`)');
    },
    down: async (knex) => {
      await knex.raw('ALTER TABLE recommendations DROP PRIMARY KEY, ADD PRIMARY KEY (run_id, user_id, list, `rank`), DROP COLUMN user_hash');
    },
  },
];

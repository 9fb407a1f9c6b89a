import type { Knex } from 'knex';

/** One migration = one DDL statement: MySQL commits DDL implicitly, so a failed multi-statement step cannot roll back. */
export interface Migration {
  name: string;
  up(knex: Knex): Promise<void>;
  down(knex: Knex): Promise<void>;
}

/** A migration that creates one table. */
export function createTable(name: string, table: string, build: (t: Knex.CreateTableBuilder) => void): Migration {
  return {
    name,
    up: async (knex) => {
      await knex.schema.createTable(table, (t) => {
        t.engine('InnoDB');
        t.charset('utf8mb4');
        t.collate('utf8mb4_bin');
        build(t);
      });
    },
    down: async (knex) => {
      await knex.schema.dropTableIfExists(table);
    },
  };
}

import { createReadStream } from 'node:fs';
import type { Knex } from 'knex';

/**
 * The yardstick for ingest speed: MySQL's own LOAD DATA LOCAL INFILE of a CSV file into a bare table with
 * the UCI Online Retail columns (no keys, no indexes). Used by the ingest bench only.
 */
export async function createBareRetailTable(db: Knex, table: string): Promise<void> {
  await db.schema.dropTableIfExists(table);
  await db.schema.createTable(table, (t) => {
    t.engine('InnoDB');
    t.charset('utf8mb4');
    t.string('invoice_no', 16);
    t.string('stock_code', 32);
    t.string('description', 255);
    t.integer('quantity');
    t.specificType('invoice_date', 'DATETIME');
    t.decimal('unit_price', 14, 4);
    t.string('customer_id', 16);
    t.string('country', 64);
  });
}

/** LOAD DATA LOCAL INFILE of a comma-separated file with a header line and "-quoted fields; returns rows loaded. */
export async function loadCsvFile(db: Knex, table: string, path: string): Promise<number> {
  const sql =
    "LOAD DATA LOCAL INFILE 'bare.csv' INTO TABLE ?? CHARACTER SET utf8mb4 " +
    "FIELDS TERMINATED BY ',' OPTIONALLY ENCLOSED BY '\"' LINES TERMINATED BY '\\n' IGNORE 1 LINES";
  const res = (await db.raw(sql, [table]).options({ infileStreamFactory: () => createReadStream(path, { highWaterMark: 1 << 20 }) })) as [{ affectedRows: number }];
  return res[0].affectedRows;
}

/** Drops a database (bench clean-up). */
export async function dropDatabase(db: Knex, name: string): Promise<void> {
  await db.raw('DROP DATABASE IF EXISTS ??', [name]);
}

/** Empties what ingest writes (events, items, users, batches), so each bench round starts from the same state. */
export async function resetIngestTables(db: Knex): Promise<void> {
  for (const t of ['events', 'items', 'users', 'ingest_batches']) await db.raw('TRUNCATE TABLE ??', [t]);
}

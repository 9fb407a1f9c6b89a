import { databaseName } from '../config';
import { createDb, ensureDatabase, type Db } from './knex';
import { migrationSource } from './migrations';

/** Runs every pending migration. */
export async function migrate(db: Db): Promise<void> {
  await db.migrate.latest({ migrationSource });
}

/**
 * Creates the database if missing, migrates it, and makes sure the API's read-only user exists with SELECT
 * rights on it (and nothing else): the API never writes MySQL.
 */
export async function setupDatabase(writerUrl: string, readonlyUrl: string): Promise<void> {
  await ensureDatabase(writerUrl);
  const db = createDb(writerUrl, 2);
  try {
    await migrate(db);
    const ro = new URL(readonlyUrl);
    const user = decodeURIComponent(ro.username);
    const password = decodeURIComponent(ro.password);
    const dbName = databaseName(writerUrl);
    for (const host of ['localhost', '%']) {
      await db.raw('CREATE USER IF NOT EXISTS ?@? IDENTIFIED BY ?', [user, host, password]);
      await db.raw('ALTER USER ?@? IDENTIFIED BY ?', [user, host, password]);
      await db.raw('GRANT SELECT ON ??.* TO ?@?', [dbName, user, host]);
    }
  } finally {
    await db.destroy();
  }
}

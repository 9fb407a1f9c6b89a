import knexFactory, { type Knex } from 'knex';
import { databaseName } from '../config';
import type { Logger } from '../config/logger';

export type Db = Knex;

/**
 * A knex pool on a mysql:// URL. `dateStrings` keeps DATETIMEs as UTC text; we store and read UTC only.
 * With `log`, knex's own warnings (a refused connection, a pool problem) go to it instead of the console.
 */
export function createDb(url: string, poolMax = 10, log?: Logger): Db {
  const u = new URL(url);
  return knexFactory({
    client: 'mysql2',
    connection: {
      host: u.hostname,
      port: Number(u.port || 3306),
      user: decodeURIComponent(u.username),
      password: decodeURIComponent(u.password),
      database: databaseName(url),
      timezone: 'Z',
      dateStrings: true,
      supportBigNumbers: true,
      bigNumberStrings: false,
      charset: 'utf8mb4',
    },
    pool: { min: 0, max: poolMax },
    // Fail a query after 5 s without a connection instead of knex's 60 s: callers answer 503 or retry.
    acquireConnectionTimeout: 5_000,
    ...(log
      ? {
          log: {
            warn: (m: unknown) => log.warn({ component: 'knex' }, String(m)),
            error: (m: unknown) => log.error({ component: 'knex' }, String(m)),
            deprecate: (m: unknown) => log.warn({ component: 'knex' }, String(m)),
            debug: (m: unknown) => log.debug({ component: 'knex' }, String(m)),
          },
        }
      : {}),
  });
}

/** Creates the database named in the URL when it does not exist yet (connects without a database first). */
export async function ensureDatabase(url: string): Promise<void> {
  const u = new URL(url);
  const name = databaseName(url);
  const admin = knexFactory({
    client: 'mysql2',
    connection: { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password) },
    pool: { min: 0, max: 1 },
  });
  try {
    await admin.raw('CREATE DATABASE IF NOT EXISTS ?? CHARACTER SET utf8mb4 COLLATE utf8mb4_bin', [name]);
  } finally {
    await admin.destroy();
  }
}

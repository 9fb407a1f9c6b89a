import { randomBytes } from 'node:crypto';
import { loadConfig, type Config } from '../../config';
import { createDb, type Db } from '../../db/knex';
import { setupDatabase } from '../../db/setup';

/**
 * A config with its own throwaway database and BullMQ prefix on the local services, `overrides` on top: what
 * every test file and every chaos/fuzz run uses so that they never share state (lives here, in compiled code,
 * because test/ is not built into dist/ and the chaos scenarios need it too).
 */
export function isolatedConfig(name: string, overrides: Record<string, string> = {}): Readonly<Config> {
  const id = `${name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(3).toString('hex')}`;
  const base = new URL(process.env.MYSQL_URL ?? 'mysql://root:@127.0.0.1:3306/x');
  base.pathname = `/t_${id}`.slice(0, 60);
  const ro = new URL(process.env.MYSQL_READONLY_URL ?? 'mysql://shopintent_ro:shopintent_ro_pw@127.0.0.1:3306/x');
  ro.pathname = base.pathname;
  return loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    MYSQL_URL: base.toString(),
    MYSQL_READONLY_URL: ro.toString(),
    QUEUE_PREFIX: `t_${id}`,
    SCHEDULER_ENABLED: 'false',
    ...overrides,
  });
}

/** A migrated database for `config` with a writer pool; `drop()` removes the database and closes the pool. */
export async function createIsolatedDb(config: Readonly<Config>): Promise<{ db: Db; drop: () => Promise<void> }> {
  await setupDatabase(config.MYSQL_URL, config.MYSQL_READONLY_URL);
  const db = createDb(config.MYSQL_URL, 4);
  const name = new URL(config.MYSQL_URL).pathname.slice(1);
  return {
    db,
    drop: async () => {
      await db.raw('DROP DATABASE IF EXISTS ??', [name]);
      await db.destroy();
    },
  };
}

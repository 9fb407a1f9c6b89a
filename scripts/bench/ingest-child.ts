/**
 * Runs one ingest in its own process and prints `{ result, maxRssMb }` as JSON, so the bench can read the
 * runner's peak RSS without its own memory in the figure. Config from the environment.
 *   node dist/scripts/bench/ingest-child.js FILE [MAPPING] [ENTITY]
 */
import { loadConfig } from '../../config';
import { createDb } from '../../db/knex';
import { runIngest } from '../../ingest';

async function main(): Promise<void> {
  const [path, mapping = 'generic', entity = 'events'] = process.argv.slice(2);
  if (!path) throw new Error('usage: ingest-child FILE [MAPPING] [ENTITY]');
  const config = loadConfig();
  const db = createDb(config.MYSQL_URL, 2);
  try {
    const result = await runIngest({ db, config }, path, { mapping, entity: entity as 'events' });
    process.stdout.write(`${JSON.stringify({ result, maxRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
  } finally {
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

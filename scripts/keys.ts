/**
 * Managed API keys (ops): `npm run keys -- create|list|revoke`. Writes MySQL with the writer connection
 * (MYSQL_URL): the API only reads the key table. Exit codes: 0 done, 2 bad usage, 1 other errors.
 */
import { parseArgs } from 'node:util';
import { API_SCOPES, ConfigError, loadConfig } from '../config';
import { createDb } from '../db/knex';
import { migrate } from '../db/setup';
import type { ApiKeyInfo } from '../db/repositories/api-keys';
import { checkId, checkName, checkScopes, connectToolRedis, createManagedKey, listManagedKeys, revokeManagedKey, UsageError } from './lib/key-admin';

export const USAGE = `Usage: npm run keys -- <command> [options]

Manage the API keys kept (hashed) in MySQL. Uses MYSQL_URL (the writer) and REDIS_URL, like the workers.

Commands:
  create --name NAME --scopes SCOPE[,SCOPE...]
                 make a key; it is printed once, on stdout: store it now (only its SHA-256 is kept)
  list [--json]  every key: id, name, scopes, created, last used, revoked (never a secret)
  revoke ID      revoke the key with this id (from list); API processes stop accepting it within a second

Options:
  --name NAME      what or who the key is for (shop-site, prometheus, ...)
  --scopes LIST    comma list of ${API_SCOPES.join(', ')}
  --json           list as JSON
  -h, --help       show this help

Examples:
  npm run keys -- create --name shop-site --scopes read
  npm run keys -- create --name prometheus --scopes metrics
  npm run keys -- list
  npm run keys -- revoke 3f9c0a1b2c3d4e5f
`;

type Command = { command: 'help' } | { command: 'create'; name: string; scopes: ReturnType<typeof checkScopes> } | { command: 'list'; json: boolean } | { command: 'revoke'; id: string };

/** The command line as a command, or UsageError naming what is wrong (node:util parseArgs: unknown options refused). */
export function parseKeysArgs(argv: string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { name: { type: 'string' }, scopes: { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { command: 'help' };
  const [command, ...rest] = positionals;
  const only = (allowed: string[]): void => {
    const extra = Object.keys(values).filter((k) => !allowed.includes(k));
    if (extra.length > 0) throw new UsageError(`${command ?? ''} does not take --${extra.join(', --')}`);
  };
  switch (command) {
    case 'create':
      only(['name', 'scopes']);
      if (rest.length > 0) throw new UsageError(`create takes no argument "${rest[0] ?? ''}"`);
      return { command, name: checkName(values.name), scopes: checkScopes(values.scopes) };
    case 'list':
      only(['json']);
      if (rest.length > 0) throw new UsageError(`list takes no argument "${rest[0] ?? ''}"`);
      return { command, json: values.json === true };
    case 'revoke':
      only([]);
      if (rest.length > 1) throw new UsageError('revoke takes one key id');
      return { command, id: checkId(rest[0]) };
    case undefined:
      throw new UsageError('a command is required: create, list or revoke');
    default:
      throw new UsageError(`unknown command "${command.slice(0, 40)}": create, list or revoke`);
  }
}

/** Fixed-width table of the keys for a terminal. */
function table(keys: ApiKeyInfo[]): string {
  const rows = [['ID', 'NAME', 'SCOPES', 'CREATED', 'LAST USED', 'REVOKED'], ...keys.map((k) => [k.id, k.name, k.scopes.join(','), k.createdAt, k.lastUsedAt ?? 'never', k.revokedAt ?? '-'])];
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ').trimEnd()).join('\n');
}

async function main(): Promise<void> {
  const cmd = parseKeysArgs(process.argv.slice(2));
  if (cmd.command === 'help') {
    process.stdout.write(USAGE);
    return;
  }
  const config = loadConfig();
  const db = createDb(config.MYSQL_URL, 2);
  const redis = await connectToolRedis(config.REDIS_URL);
  const noRedis = `Redis (REDIS_URL) is unreachable: API processes pick the change up within API_KEYS_RELOAD_SECONDS (${config.API_KEYS_RELOAD_SECONDS} s)`;
  try {
    await migrate(db); // the key table exists from here on, whatever the API has run
    switch (cmd.command) {
      case 'create': {
        const made = await createManagedKey(db, redis, config.QUEUE_PREFIX, cmd.name, cmd.scopes);
        process.stderr.write(`created key ${made.info.id} "${made.info.name}" (${made.info.scopes.join(',')}). It is shown once, below: store it now.\n`);
        if (!made.announced) process.stderr.write(`${noRedis}\n`);
        process.stdout.write(`${made.key}\n`);
        break;
      }
      case 'list': {
        const { keys, lastUseFromRedis } = await listManagedKeys(db, redis, config.QUEUE_PREFIX);
        process.stdout.write(cmd.json ? `${JSON.stringify(keys, null, 2)}\n` : keys.length === 0 ? 'no managed keys yet (npm run keys -- create --help)\n' : `${table(keys)}\n`);
        if (!lastUseFromRedis) process.stderr.write('Redis (REDIS_URL) is unreachable: last use is as last recorded in MySQL\n');
        break;
      }
      case 'revoke': {
        const { outcome, announced } = await revokeManagedKey(db, redis, config.QUEUE_PREFIX, cmd.id);
        if (outcome === 'not found') {
          process.stderr.write(`no key ${cmd.id} (npm run keys -- list)\n`);
          process.exitCode = 2;
          break;
        }
        process.stdout.write(`${outcome === 'revoked' ? 'revoked' : 'was already revoked:'} ${cmd.id}\n`);
        if (!announced) process.stderr.write(`${noRedis}\n`);
        break;
      }
    }
  } finally {
    redis?.disconnect();
    await db.destroy();
  }
}

// Only when run as the tool, not when a test imports parseKeysArgs.
if (require.main === module) {
  main().catch((err: unknown) => {
    if (err instanceof UsageError) {
      process.stderr.write(`keys: ${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    process.stderr.write(`keys: ${err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}

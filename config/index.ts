import { configSchema, type Config } from './schema';

export * from './schema';

/** Thrown when settings are invalid; its message lists every bad key at once. */
export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Validates an environment (default: process.env) into a frozen, typed Config; throws ConfigError listing every bad key. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Readonly<Config> {
  const known = Object.keys(configSchema.shape);
  // Empty strings mean "unset", so `FOO= npm start` falls back to the default instead of failing.
  const input = Object.fromEntries(known.map((k) => [k, env[k] === '' ? undefined : env[k]]));
  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`));
  }
  // The development keys are printed in the README: a production process must never accept them.
  const public_ = parsed.data.API_KEYS.filter((k) => DEVELOPMENT_KEYS.includes(k.key));
  if (parsed.data.NODE_ENV === 'production' && public_.length > 0) {
    throw new ConfigError([`API_KEYS: ${public_.map((k) => k.key).join(', ')} ${public_.length > 1 ? 'are' : 'is'} public (the development default); set your own keys for NODE_ENV=production`]);
  }
  return Object.freeze(parsed.data);
}

/** The keys of API_KEYS' default: fine on a laptop, refused in production. */
const DEVELOPMENT_KEYS = ['dev-ops-key', 'dev-read-key'];

let cached: Readonly<Config> | undefined;

/** The process-wide config, validated on first use. */
export function getConfig(): Readonly<Config> {
  cached ??= loadConfig();
  return cached;
}

/** Database name from a mysql:// URL (the path without its slash). */
export function databaseName(mysqlUrl: string): string {
  const name = new URL(mysqlUrl).pathname.replace(/^\//, '');
  if (!/^[A-Za-z0-9_]+$/.test(name)) throw new ConfigError([`MYSQL_URL: database name "${name}" must be letters, digits and _`]);
  return name;
}

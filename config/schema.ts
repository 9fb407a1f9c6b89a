import { z } from 'zod';

/** Every queue a worker process can consume; the job catalogue maps job names onto these (`control`: nightly trigger, model activation). */
export const QUEUE_NAMES = ['ingest', 'preprocess', 'train', 'score-all-users', 'segment', 'control'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** The ML backends, in the order `auto` tries them. */
export const ML_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type MlBackendName = (typeof ML_BACKENDS)[number];

/** API key scopes: read < jobs < ops. A key may hold several. */
export const API_SCOPES = ['read', 'jobs', 'ops'] as const;
export type ApiScope = (typeof API_SCOPES)[number];

const csv = (s: string): string[] =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.length > 0);

const positiveInt = (def: number) => z.coerce.number().int().positive().default(def);

const apiKeys = z
  .string()
  .default('dev-ops-key:read+jobs+ops,dev-read-key:read')
  .transform((s, ctx) => {
    const keys: { key: string; scopes: ApiScope[] }[] = [];
    for (const entry of csv(s)) {
      const [key, scopeList] = entry.split(':');
      const scopes = (scopeList ?? 'read').split('+');
      const bad = scopes.filter((x) => !(API_SCOPES as readonly string[]).includes(x));
      if (!key || key.length < 8 || bad.length > 0) {
        ctx.addIssue({
          code: 'custom',
          message: `entry "${entry.slice(0, 4)}…" must be KEY:SCOPE[+SCOPE] with a key of 8+ characters and scopes from ${API_SCOPES.join('|')}`,
        });
        continue;
      }
      keys.push({ key, scopes: scopes as ApiScope[] });
    }
    return keys;
  });

/**
 * The one schema for every setting. Keys are the environment variable names; defaults work on a developer
 * machine with local Redis and MariaDB (root, empty password).
 */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error', 'silent']).default('info'),

  REDIS_URL: z.string().url().default('redis://127.0.0.1:6379'),
  QUEUE_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, _ and - only')
    .default('shopintent'),

  MYSQL_URL: z.string().url().default('mysql://root:@127.0.0.1:3306/shopintent'),
  MYSQL_READONLY_URL: z.string().url().default('mysql://shopintent_ro:shopintent_ro_pw@127.0.0.1:3306/shopintent'),
  MYSQL_POOL_MAX: positiveInt(10),

  API_PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  API_KEYS: apiKeys,
  UPLOAD_DIR: z.string().default('var/uploads'),
  UPLOAD_MAX_BYTES: positiveInt(1024 * 1024 * 1024),

  WORKER_QUEUES: z
    .string()
    .default(QUEUE_NAMES.join(','))
    .transform((s) => csv(s))
    .pipe(z.array(z.enum(QUEUE_NAMES)).min(1)),
  WORKER_CONCURRENCY: positiveInt(1),
  WORKER_SANDBOXED: z.enum(['true', 'false']).default('true').transform((s) => s === 'true'),
  /** how long a stopping worker waits for running jobs before it force-closes (they are then retried); PM2 kill_timeout must exceed it */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(120_000),
  /** cron, UTC: five fields, or six with seconds first (tests and chaos runs fire every few seconds) */
  NIGHTLY_CRON: z.string().regex(/^(\S+\s+){4,5}\S+$/, 'a cron pattern of five fields (or six, seconds first)').default('0 2 * * *'),
  SCHEDULER_ENABLED: z.enum(['true', 'false']).default('true').transform((s) => s === 'true'),

  ML_BACKEND: z.enum(['auto', ...ML_BACKENDS]).default('auto'),
  TOP_K: positiveInt(20),
  INTENT_HORIZON_DAYS: positiveInt(30),
  /** re-run the ranker's validation search on every train (slower); off: use the defaults `npm run eval` validated */
  TRAIN_TUNE: z.enum(['true', 'false']).default('false').transform((s) => s === 'true'),
  PROMOTION_MARGIN: z.coerce.number().min(0).max(1).default(0),
  /**
   * customers per `score-shard` job. Each shard scans the events table once (filtered by the server; events
   * carry no user index, which keeps ingest fast), so aim for about as many shards as scoring worker slots.
   */
  SCORE_SHARD_USERS: positiveInt(5000),
  RUNS_TO_KEEP: positiveInt(3),

  /** shop-specific item ids that are not products (postage, fees): left out of every model and list */
  EXCLUDED_ITEM_IDS: z
    .string()
    .default('')
    .transform((s) => csv(s)),
  SEGMENT_COUNT: z.coerce.number().int().min(2).max(12).default(6),

  REPORTS_DIR: z.string().default('reports'),
  /** Ingest: accepted rows per committed chunk (one transaction + checkpoint each). */
  INGEST_CHUNK_ROWS: z.coerce.number().int().min(1).max(2_000_000).default(100000),
  /** Ingest: where reject reports (one NDJSON file per batch) are written. */
  REJECTS_DIR: z.string().default('var/rejects'),
});

export type Config = z.output<typeof configSchema>;

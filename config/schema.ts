import { z } from 'zod';

/**
 * Every queue a worker process can consume; the job catalogue maps job names onto these (`control`: nightly
 * trigger, model activation and the score-all-users coordinator; `score-shard`: the scoring work itself).
 */
export const QUEUE_NAMES = ['ingest', 'preprocess', 'train', 'score-shard', 'segment', 'control'] as const;
export type QueueName = (typeof QUEUE_NAMES)[number];

/** The ML backends, in the order `auto` tries them. */
export const ML_BACKENDS = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type MlBackendName = (typeof ML_BACKENDS)[number];

/** The native TensorFlow packages behind the `tensorflow-gpu` and `tensorflow` backends (optional installs). */
export const NATIVE_TF_PACKAGES = { 'tensorflow-gpu': '@tensorflow/tfjs-node-gpu', tensorflow: '@tensorflow/tfjs-node' } as const;

/**
 * API key scopes: read < jobs < ops. A key may hold several. `admin`: list the managed keys (GET /v1/keys);
 * `metrics`: only scrape /metrics (a key for Prometheus that can do nothing else; `ops` keys may scrape too).
 */
export const API_SCOPES = ['read', 'jobs', 'ops', 'admin', 'metrics'] as const;
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
    // `none`: managed keys only (`npm run keys`), the production setup; empty would mean the development default.
    if (s.trim() === 'none') return keys;
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
 * A campaign: an audience or a segment joined with each customer's top-N items from one list, under rules.
 * Audience ids: `churn-warning`, `high-intent`, `item-<item id>`, `category-<name>`; segment ids as served.
 */
export const campaignSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, _ and -, at most 64'),
    label: z.string().min(1).max(255).optional(),
    segment: z.string().min(1).max(64).optional(),
    audience: z.string().min(1).max(128).optional(),
    list: z.enum(['for-you', 'discover', 'new-in']).default('for-you'),
    topN: z.number().int().min(1).max(10).default(3),
    /** leave out items the customer bought in the last this many days (0: keep reorders) */
    excludeBoughtWithinDays: z.number().int().min(0).max(3650).default(30),
    /** at most this many items of one category (or taste group) per customer */
    maxPerCategory: z.number().int().min(1).max(10).optional(),
    /** user attributes (keys of the shop's users file) exported as columns */
    attributes: z.array(z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/)).max(20).default([]),
  })
  .strict()
  .refine((c) => (c.segment === undefined) !== (c.audience === undefined), { message: 'name exactly one of segment or audience', path: ['audience'] });
export type Campaign = z.output<typeof campaignSchema>;

const DEFAULT_CAMPAIGNS = JSON.stringify([
  { id: 'win-back', label: 'Win back customers at risk', audience: 'churn-warning', list: 'for-you', topN: 3, maxPerCategory: 1 },
  { id: 'new-in', label: 'New in, for customers about to buy', audience: 'high-intent', list: 'new-in', topN: 3 },
]);

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
  /**
   * Ingest reads files only from UPLOAD_DIR and, when set, this one allow-listed directory (ops drop exports
   * here; jobs name a file inside it, never a path). Both are resolved after symlinks.
   */
  IMPORT_DIR: z.string().default(''),
  /** Ingest: a header with more columns is refused (no shop's export needs thousands; checking them costs CPU) */
  INGEST_MAX_COLUMNS: z.coerce.number().int().min(1).max(100_000).default(1000),
  /** Ingest: a longer line (characters) is rejected as `line_too_long` without being held whole in memory */
  INGEST_MAX_LINE_CHARS: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),

  WORKER_QUEUES: z
    .string()
    .default(QUEUE_NAMES.join(','))
    .transform((s) => csv(s))
    .pipe(z.array(z.enum(QUEUE_NAMES)).min(1)),
  WORKER_CONCURRENCY: positiveInt(1),
  WORKER_SANDBOXED: z.enum(['true', 'false']).default('true').transform((s) => s === 'true'),
  /**
   * What a sandbox is: `thread` (worker threads, light), `process` (child processes: native TensorFlow must run
   * there, one per process), or `auto` (process when this pool may load native TensorFlow, else thread).
   */
  WORKER_SANDBOX_KIND: z.enum(['auto', 'thread', 'process']).default('auto'),
  /**
   * CPU priority (nice, 0–19) a worker process gives itself and its job threads: batch work yields the CPU to the
   * API when both share a machine, so serving latency holds while a pipeline trains. 0 keeps the default.
   */
  WORKER_NICE: z.coerce.number().int().min(0).max(19).default(10),
  /** how long a stopping worker waits for running jobs before it force-closes (they are then retried); PM2 kill_timeout must exceed it */
  SHUTDOWN_GRACE_MS: z.coerce.number().int().min(0).default(120_000),
  /**
   * BullMQ job lock: a worker that dies (SIGKILL, lost machine) holds its jobs this long before another takes
   * them. Heavy jobs run sandboxed, so the main thread renews locks on time and a short lock is safe.
   */
  JOB_LOCK_MS: z.coerce.number().int().min(5_000).default(20_000),
  /** how often workers look for jobs whose lock lapsed (recovery after a crash takes about JOB_LOCK_MS + this) */
  STALLED_CHECK_MS: z.coerce.number().int().min(1_000).default(5_000),
  /** cron, UTC: five fields, or six with seconds first (tests and chaos runs fire every few seconds) */
  NIGHTLY_CRON: z.string().regex(/^(\S+\s+){4,5}\S+$/, 'a cron pattern of five fields (or six, seconds first)').default('0 2 * * *'),
  SCHEDULER_ENABLED: z.enum(['true', 'false']).default('true').transform((s) => s === 'true'),

  ML_BACKEND: z.enum(['auto', ...ML_BACKENDS]).default('auto'),
  TOP_K: positiveInt(20),
  /** API: published lists, scores and similar items held in memory per process (about 5 KB each); 0 = no cache */
  SERVING_CACHE_ENTRIES: z.coerce.number().int().min(0).max(10_000_000).default(100_000),
  /** API: MB of whole serialised answers (recommendation lists) kept per process beside the entries, so a repeated read costs no JSON work; 0 = none */
  SERVING_BODY_CACHE_MB: z.coerce.number().int().min(0).max(65_536).default(64),
  /** API: on a publish, this many of the most recently read entries are read from the new run (in batches) before it is served */
  SERVING_CACHE_WARM_KEYS: z.coerce.number().int().min(0).max(10_000_000).default(20_000),
  INTENT_HORIZON_DAYS: positiveInt(30),
  /**
   * rolling origin: how many holdout cuts train evaluates (the newest at the last horizon, each older one a test
   * window before it, while two horizons of history and enough test customers remain). Every list and intent
   * choice is made on the cuts pooled; each cut refits the champion, so train time grows with it.
   */
  HOLDOUT_CUT_POINTS: z.coerce.number().int().min(1).max(6).default(3),
  /** shops with more clean events than this run only HOLDOUT_BIG_SHOP_CUTS cuts (the train result says so) */
  HOLDOUT_BIG_SHOP_EVENTS: positiveInt(5_000_000),
  HOLDOUT_BIG_SHOP_CUTS: z.coerce.number().int().min(1).max(6).default(1),
  /** re-run the ranker's validation search on every train (slower); off: use the defaults `npm run eval` validated */
  TRAIN_TUNE: z.enum(['true', 'false']).default('false').transform((s) => s === 'true'),
  PROMOTION_MARGIN: z.coerce.number().min(0).max(1).default(0),
  /**
   * train reads at most this many rows (clean events and returns) of the training store: whole customer buckets,
   * so a uniform sample of customers with their whole histories. Shops below it train on everything; the default
   * keeps train's memory bounded on the largest shops (README, "Scaling").
   */
  TRAIN_MAX_EVENTS: positiveInt(1_000_000),
  /**
   * customers per `score-shard` job. A shard reads only its range of customer buckets from the training store (an
   * index range), so more shards cost no more reads in total: size it for progress and retries, and to spread a
   * run over every scoring worker.
   */
  SCORE_SHARD_USERS: positiveInt(5000),
  RUNS_TO_KEEP: positiveInt(3),

  /** shop-specific item ids that are not products (postage, fees): left out of every model and list */
  EXCLUDED_ITEM_IDS: z
    .string()
    .default('')
    .transform((s) => csv(s)),
  SEGMENT_COUNT: z.coerce.number().int().min(2).max(12).default(6),
  /**
   * `segment` fits the models that learn from past windows (churn, affinity, new-in) on at most this many rows of the
   * training store (whole customer buckets, as train samples); every customer is still segmented and scored, from a
   * snapshot built page by page. Shops below it fit on everything.
   */
  SEGMENT_FIT_MAX_EVENTS: positiveInt(1_000_000),

  REPORTS_DIR: z.string().default('reports'),
  /** Ingest: accepted rows per committed chunk (one transaction + checkpoint each). */
  INGEST_CHUNK_ROWS: z.coerce.number().int().min(1).max(2_000_000).default(100000),
  /** Ingest: where reject reports (one NDJSON file per batch) are written. */
  REJECTS_DIR: z.string().default('var/rejects'),

  // API hardening (issue 8)
  /**
   * Express "trust proxy": which hops may set X-Forwarded-For (the client address the rate limits count by).
   * `false` (default: the socket's peer is the client), `true` (trust every hop: only behind a proxy that
   * overwrites the header), a hop count, or a comma list of proxy addresses/subnets (`loopback`, `10.0.0.0/8`).
   */
  TRUST_PROXY: z
    .string()
    .default('false')
    .transform((s, ctx): boolean | number | string[] => {
      const v = s.trim().toLowerCase();
      if (v === 'false') return false;
      if (v === 'true') return true;
      if (/^\d+$/.test(v)) return Number(v);
      const list = csv(v);
      const named = ['loopback', 'linklocal', 'uniquelocal'];
      const bad = list.filter((x) => !named.includes(x) && !/^[0-9a-f.:]+(\/\d{1,3})?$/.test(x));
      if (list.length === 0 || bad.length > 0) ctx.addIssue({ code: 'custom', message: 'true, false, a hop count, or a comma list of addresses, subnets or loopback|linklocal|uniquelocal' });
      return list;
    }),
  /** browser origins allowed to call the API cross-origin (comma list of scheme://host[:port]); empty: no CORS headers */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((s, ctx) => {
      const list = csv(s);
      for (const o of list) {
        let ok = false;
        try {
          ok = new URL(o).origin === o;
        } catch {
          ok = false;
        }
        if (!ok) ctx.addIssue({ code: 'custom', message: `"${o.slice(0, 60)}" is not an origin (scheme://host[:port], no path or trailing slash)` });
      }
      return list;
    }),
  /** requests per second from one client address, shared by every API process through Redis (0: no limit); health checks are exempt */
  RATE_LIMIT_ADDRESS_PER_SECOND: z.coerce.number().int().min(0).default(2000),
  /** requests per second with one API key, every API process together (0: no limit) */
  RATE_LIMIT_KEY_PER_SECOND: z.coerce.number().int().min(0).default(5000),
  /** enqueues (POST /v1/jobs, /v1/ingest, /v1/pipelines/nightly, model activation) per minute with one API key (0: no limit) */
  RATE_LIMIT_ENQUEUE_PER_MINUTE: z.coerce.number().int().min(0).default(120),
  /** invalid API keys one address may present per window before it is refused outright (0: no limit) */
  RATE_LIMIT_AUTH_FAILURES: z.coerce.number().int().min(0).default(10),
  /** the window (seconds) over which RATE_LIMIT_AUTH_FAILURES is counted; a refused address waits for it to end */
  RATE_LIMIT_AUTH_WINDOW_SECONDS: z.coerce.number().int().min(1).max(86_400).default(900),

  // Operations (issue 12)
  /**
   * how often each API process reloads the managed keys (MySQL `api_keys`, read-only user); the key tool also
   * tells every process at once through Redis, so this is the backstop for a lost message or a by-hand change
   */
  API_KEYS_RELOAD_SECONDS: z.coerce.number().int().min(1).max(3600).default(10),
  // Campaigns (issue 11): lifecycle rules, audiences, new-in picks, campaign definitions, pinned cursors
  /**
   * How long (seconds) a page cursor stays valid after its first page; a superseded segmentation run is kept at
   * least this long after the next one replaced it, so every valid cursor still finds its run.
   */
  CURSOR_TTL_SECONDS: z.coerce.number().int().min(60).max(7 * 86_400).default(86_400),
  /** lifecycle: first purchase at most this many days ago = new */
  LIFECYCLE_NEW_DAYS: positiveInt(30),
  /** lifecycle: last purchase more than this many days ago = lapsed */
  LIFECYCLE_LAPSED_DAYS: positiveInt(180),
  /** lifecycle: otherwise P(no purchase in 90 days) at or above this = at risk (below: active) */
  AT_RISK_PROBABILITY: z.coerce.number().min(0).max(1).default(0.5),
  /** customers kept per audience (top-N by probability) */
  AUDIENCE_SIZE: positiveInt(1000),
  /** items and categories (comma lists) that get an affinity audience in every segment run */
  AUDIENCE_ITEMS: z.string().default('').transform((s) => csv(s)),
  AUDIENCE_CATEGORIES: z.string().default('').transform((s) => csv(s)),
  /** high-intent audience: only customers with P(buys in the horizon) at or above this (0: top AUDIENCE_SIZE only) */
  HIGH_INTENT_MIN_PROBABILITY: z.coerce.number().min(0).max(1).default(0),
  /** new-in picks: items first seen in the last this many days */
  NEW_IN_DAYS: positiveInt(30),
  /** new-in picks per customer */
  NEW_IN_PICKS: z.coerce.number().int().min(1).max(20).default(10),
  /** campaigns built in every segment run: a JSON array of campaign objects (see campaignSchema) */
  CAMPAIGNS: z
    .string()
    .default(DEFAULT_CAMPAIGNS)
    .transform((s, ctx): Campaign[] => {
      let raw: unknown;
      try {
        raw = JSON.parse(s);
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be a JSON array of campaigns' });
        return [];
      }
      const parsed = z.array(campaignSchema).max(50).safeParse(raw);
      if (!parsed.success) {
        for (const i of parsed.error.issues) ctx.addIssue({ code: 'custom', message: `${i.path.join('.') || '(array)'}: ${i.message}` });
        return [];
      }
      const ids = parsed.data.map((c) => c.id);
      if (new Set(ids).size !== ids.length) ctx.addIssue({ code: 'custom', message: 'campaign ids must be unique' });
      return parsed.data;
    }),
});

export type Config = z.output<typeof configSchema>;

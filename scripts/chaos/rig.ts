/**
 * The chaos rig: one throwaway ShopIntent installation made of real processes. It creates a fresh database and
 * BullMQ prefix, spawns the compiled API (dist/api/main.js) and workers (dist/workers/main.js) with an env
 * pointing at them, drives them over HTTP like a client, watches jobs through BullMQ, and removes everything
 * again in teardown(). Scenarios (process faults, load) build on it; `npm run build` must have run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, createHash } from 'node:crypto';
import { createReadStream, createWriteStream, existsSync, type WriteStream } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Job, type Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { loadConfig, type Config } from '../../config';
import knexFactory from 'knex';
import type { Db } from '../../db/knex';
import { setupDatabase } from '../../db/setup';
import { QUEUE_OF, type JobName } from '../../jobs/catalogue';
import { openQueues, type Queues } from '../../jobs/client/queues';
import { generateFiles } from '../lib/generator-files';
import type { GeneratorOptions } from '../lib/generator';

/** The repository root, from scripts/chaos (jest, TypeScript) or dist/scripts/chaos (compiled). */
export const ROOT = (() => {
  let dir = __dirname;
  while (!existsSync(path.join(dir, 'package.json')) && path.dirname(dir) !== dir) dir = path.dirname(dir);
  return dir;
})();
/** Where the rig keeps generated shops (reused across runs: same options, same bytes) and per-rig folders. */
export const CHAOS_TMP = path.join(tmpdir(), 'shopintent-chaos');
export const API_KEY = 'chaos-ops-key-0001';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A small shop: every stage runs (train finds enough purchases, scoring fans out) and a pipeline takes well under a minute. */
export const SMALL_SHOP: GeneratorOptions = { users: 400, items: 200, days: 90, seed: 8, malformedRate: 0, sessionsPerUserDay: 0.08 };

/**
 * Settings every rig process gets unless the scenario overrides them: a short job lock so a SIGKILLed job is
 * picked up again within seconds, small ingest chunks (several checkpoints on a small file), three scoring
 * shards, and API limits high enough for polling.
 */
export const RIG_DEFAULTS: Record<string, string> = {
  NODE_ENV: 'production',
  LOG_LEVEL: 'info',
  SCHEDULER_ENABLED: 'false',
  JOB_LOCK_MS: '6000',
  STALLED_CHECK_MS: '1000',
  SHUTDOWN_GRACE_MS: '60000',
  INGEST_CHUNK_ROWS: '1000',
  SCORE_SHARD_USERS: '150',
  ML_BACKEND: 'wasm',
  MYSQL_POOL_MAX: '4',
};

/** Writes (once, cached by options) a synthetic generic-layout events file and returns its path. */
export async function shopFile(opts: GeneratorOptions = SMALL_SHOP): Promise<string> {
  const key = createHash('sha1').update(JSON.stringify(opts)).digest('hex').slice(0, 10);
  const file = path.join(CHAOS_TMP, 'shops', `shop-${key}.csv`);
  if (!existsSync(file)) {
    const tmp = `${file}.${process.pid}.tmp.csv`;
    await generateFiles(opts, tmp);
    await copyFile(tmp, file);
    await rm(tmp, { force: true });
    await rm(tmp.replace(/\.csv$/, '.items.csv'), { force: true });
  }
  return file;
}

/** A port nobody listens on right now. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/** A spawned node process with its output going to a log file. */
export class Proc {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private out = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | null = null;

  constructor(
    readonly name: string,
    readonly child: ChildProcess,
    readonly logFile: string,
    log: WriteStream,
  ) {
    const onData = (d: Buffer): void => {
      // Keep only the tail in memory: enough to match start-up lines and show the end in an error.
      this.out = (this.out + d.toString()).slice(-64_000);
      log.write(d);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        log.end();
        resolve({ code, signal });
      });
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get running(): boolean {
    return this.exitInfo === null;
  }

  get exit(): { code: number | null; signal: NodeJS.Signals | null } | null {
    return this.exitInfo;
  }

  /** The last lines it printed. */
  tail(lines = 20): string {
    return this.out.split('\n').slice(-lines).join('\n');
  }

  /** Waits until its output matches `re`, or throws (naming the output) when it exits first or `ms` pass. */
  async waitForOutput(re: RegExp, ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (!re.test(this.out)) {
      if (!this.running) throw new Error(`${this.name} exited (${JSON.stringify(this.exitInfo)}) before printing ${String(re)}:\n${this.tail()}`);
      if (Date.now() > until) throw new Error(`${this.name} did not print ${String(re)} within ${ms} ms:\n${this.tail()}`);
      await sleep(50);
    }
  }

  signal(sig: NodeJS.Signals): void {
    if (this.running) this.child.kill(sig);
  }

  /** Waits for the process to exit; false when it is still running after `ms`. */
  async waitExit(ms: number): Promise<boolean> {
    if (!this.running) return true;
    return Promise.race([this.exited.then(() => true), sleep(ms).then(() => false)]);
  }

  /** SIGKILLs it (if still running) and waits for the exit. */
  async kill(): Promise<void> {
    if (!this.running) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }
}

export interface RigOptions {
  /** short name: used in the database name, the prefix and the folder */
  name: string;
  /** extra or overriding settings for every process (e.g. REDIS_URL of a scenario's own Redis) */
  env?: Record<string, string>;
}

/** One job's state as the rig reads it from BullMQ. */
export interface JobView {
  id: string;
  name: string;
  state: string;
  attemptsMade: number;
  progress: unknown;
  failedReason: string;
  /** ms since the epoch when it finished (completed or failed), 0 while not */
  finishedOn: number;
}

/** What runPipeline has done so far. */
export interface PipelineState {
  ingestId?: string;
  flow?: { id: string; steps: string[] };
  ingestSeconds?: number;
  flowSeconds?: number;
  done?: boolean;
}

/** Published outputs reduced to what must be equal between two runs of the same input. */
export interface PublishedDigest {
  events: number;
  /** sha256 over every part below */
  digest: string;
  parts: { recommendations: string; intent: string; segments: string; members: string };
  rows: { recommendations: number; intent: number; segments: number; members: number };
  /** published run ids (differ between runs; for messages only) */
  runs: { scores: number | null; segments: number | null };
  /** the published scoring run's recorded user count equals its intent rows, and its status is published */
  complete: boolean;
}

/** The numeric percent of a job's progress (a number, or `{ percent }`), 0 when none. */
export function percentOf(progress: unknown): number {
  if (typeof progress === 'number') return progress;
  if (progress && typeof progress === 'object' && typeof (progress as { percent?: unknown }).percent === 'number') return (progress as { percent: number }).percent;
  return 0;
}

/** A fresh installation: database, prefix, folders, processes. Create with Rig.create(), always teardown(). */
export class Rig {
  readonly procs: Proc[] = [];
  private procNo = 0;
  private queuesOpen: Queues | undefined;
  private redis: Redis | undefined;
  private writer: Db | undefined;
  /** MySQL thread ids of the rig's own connections: connection-killing faults spare them */
  private readonly ownThreads = new Set<number>();

  private constructor(
    readonly id: string,
    readonly dir: string,
    readonly env: Record<string, string>,
    readonly config: Readonly<Config>,
  ) {}

  /** Creates and migrates the database (and its read-only user's grant), the folders, and picks a free API port. */
  static async create(opts: RigOptions): Promise<Rig> {
    const id = `chaos_${opts.name.replace(/[^a-z0-9]/gi, '_').toLowerCase().slice(0, 30)}_${randomBytes(3).toString('hex')}`;
    await mkdir(CHAOS_TMP, { recursive: true });
    const dir = await mkdtemp(path.join(CHAOS_TMP, `${id}-`));
    const mysql = new URL(process.env.MYSQL_URL ?? 'mysql://root:@127.0.0.1:3306/x');
    mysql.pathname = `/t_${id}`.slice(0, 60);
    const ro = new URL(process.env.MYSQL_READONLY_URL ?? 'mysql://shopintent_ro:shopintent_ro_pw@127.0.0.1:3306/x');
    ro.pathname = mysql.pathname;
    const env: Record<string, string> = {
      ...RIG_DEFAULTS,
      MYSQL_URL: mysql.toString(),
      MYSQL_READONLY_URL: ro.toString(),
      REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
      QUEUE_PREFIX: `t_${id}`,
      API_PORT: String(await freePort()),
      API_KEYS: `${API_KEY}:read+jobs+ops`,
      UPLOAD_DIR: path.join(dir, 'uploads'),
      IMPORT_DIR: path.join(dir, 'imports'),
      REJECTS_DIR: path.join(dir, 'rejects'),
      REPORTS_DIR: path.join(dir, 'reports'),
      ...opts.env,
    };
    for (const d of ['UPLOAD_DIR', 'IMPORT_DIR', 'REJECTS_DIR'] as const) await mkdir(env[d] as string, { recursive: true });
    const config = loadConfig(env);
    await setupDatabase(config.MYSQL_URL, config.MYSQL_READONLY_URL);
    return new Rig(id, dir, env, config);
  }

  get baseUrl(): string {
    return `http://127.0.0.1:${this.env.API_PORT ?? ''}`;
  }

  get databaseName(): string {
    return new URL(this.config.MYSQL_URL).pathname.slice(1);
  }

  /** The rig's own read-write pool on the test database (for checks; the processes have theirs). */
  get db(): Db {
    if (!this.writer) {
      const u = new URL(this.config.MYSQL_URL);
      this.writer = knexFactory({
        client: 'mysql2',
        connection: { host: u.hostname, port: Number(u.port || 3306), user: decodeURIComponent(u.username), password: decodeURIComponent(u.password), database: this.databaseName, timezone: 'Z', dateStrings: true, supportBigNumbers: true, bigNumberStrings: false, charset: 'utf8mb4' },
        pool: {
          min: 0,
          max: 2,
          afterCreate: (conn: { threadId: number }, done: (err: Error | null, conn: unknown) => void) => {
            this.ownThreads.add(conn.threadId);
            done(null, conn);
          },
        },
      });
    }
    return this.writer;
  }

  /** Queues under the rig's prefix, on a connection that waits through a Redis restart instead of failing. */
  get queues(): Queues {
    if (!this.queuesOpen) {
      this.redis = new Redis(this.config.REDIS_URL, { maxRetriesPerRequest: null, retryStrategy: (n) => Math.min(n * 100, 1000) });
      this.redis.on('error', () => undefined);
      this.queuesOpen = openQueues(this.config, this.redis);
    }
    return this.queuesOpen;
  }

  /** Spawns `node <script> [...args]` with the rig's env (plus `extraEnv`), output to a log file in the rig's folder. */
  spawn(name: string, script: string, args: string[] = [], extraEnv: Record<string, string> = {}): Proc {
    const logFile = path.join(this.dir, `${name}-${++this.procNo}.log`);
    const child = spawn(process.execPath, [path.join(ROOT, script), ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...this.env, ...extraEnv },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const proc = new Proc(name, child, logFile, createWriteStream(logFile));
    this.procs.push(proc);
    return proc;
  }

  /** Starts the API and waits until /readyz answers 200 (MySQL and Redis reachable). */
  async startApi(extraEnv: Record<string, string> = {}): Promise<Proc> {
    const api = this.spawn('api', 'dist/api/main.js', [], extraEnv);
    const until = Date.now() + 30_000;
    for (;;) {
      if (!api.running) throw new Error(`API exited at start-up:\n${api.tail()}`);
      try {
        if ((await fetch(`${this.baseUrl}/readyz`)).status === 200) return api;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error(`API not ready within 30 s:\n${api.tail()}`);
      await sleep(100);
    }
  }

  /** Starts a worker process and waits until its consumers run. */
  async startWorker(extraEnv: Record<string, string> = {}): Promise<Proc> {
    const w = this.spawn('worker', 'dist/workers/main.js', [], extraEnv);
    await w.waitForOutput(/worker consuming/, 30_000);
    return w;
  }

  /** The worker processes still running. */
  get workers(): Proc[] {
    return this.procs.filter((p) => p.name === 'worker' && p.running);
  }

  /** One JSON request to the API with the rig's key. */
  async http<T = Record<string, unknown>>(method: string, route: string, body?: unknown, timeoutMs = 10_000): Promise<{ status: number; body: T; text: string }> {
    const res = await fetch(`${this.baseUrl}${route}`, {
      method,
      headers: { 'X-API-Key': API_KEY, ...(body === undefined ? {} : { 'Content-Type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await res.text();
    let parsed: unknown = null;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      parsed = null;
    }
    return { status: res.status, body: parsed as T, text };
  }

  /**
   * Uploads a file (or bytes) as the raw body of POST /v1/ingest, streamed, on a connection of its own (a
   * server that answers early, e.g. 507 on a full disk, may close it); `query` adds mapping, entity, filename…
   * An answer that arrives before the body was fully sent still counts as the answer.
   */
  async upload(source: string | Buffer, query: Record<string, string> = {}): Promise<{ status: number; body: Record<string, unknown>; text: string }> {
    const filename = typeof source === 'string' ? path.basename(source) : 'upload.csv';
    const qs = new URLSearchParams({ mapping: 'generic', filename, ...query }).toString();
    const size = typeof source === 'string' ? (await stat(source)).size : source.length;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      let answered = false;
      const req = httpRequest(`${this.baseUrl}/v1/ingest?${qs}`, {
        method: 'POST',
        agent: false,
        headers: { 'X-API-Key': API_KEY, 'Content-Type': 'application/octet-stream', 'Content-Length': String(size) },
        timeout: 60_000,
      }, (res) => {
        answered = true;
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (d: string) => (body += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: body }));
        res.on('error', reject);
      });
      req.on('timeout', () => req.destroy(new Error('upload timed out after 60 s')));
      req.on('error', (err) => {
        if (!answered) reject(err);
      });
      if (typeof source === 'string') {
        const file = createReadStream(source);
        file.on('error', (err) => req.destroy(err));
        file.pipe(req);
      } else {
        req.end(source);
      }
    });
    let parsed: Record<string, unknown> = {};
    try {
      parsed = JSON.parse(text) as Record<string, unknown>;
    } catch {
      parsed = {};
    }
    return { status, body: parsed, text };
  }

  /** Copies a file into IMPORT_DIR (the allow-listed folder ingest jobs may read with `dir: 'imports'`); returns its name there. */
  async stageImport(file: string, name = path.basename(file)): Promise<string> {
    await copyFile(file, path.join(this.env.IMPORT_DIR as string, name));
    return name;
  }

  /**
   * Starts the nightly pipeline through the API with an ingest of `file` (a name in IMPORT_DIR, see stageImport,
   * or an upload's file with dir 'uploads'); returns the root (segment) job id and the steps bottom-up.
   */
  async startNightly(file: string | null, dir: 'imports' | 'uploads' = 'imports', mapping = 'generic'): Promise<{ id: string; steps: string[] }> {
    const body = file === null ? {} : { withIngest: { file, dir, mapping } };
    const res = await this.http<{ id: string; steps: string[] }>('POST', '/v1/pipelines/nightly', body);
    if (res.status !== 202) throw new Error(`nightly pipeline refused (${res.status}): ${res.text}`);
    return res.body;
  }

  /**
   * The whole nightly refresh as a client drives it: upload the events file (POST /v1/ingest), wait for its
   * ingest job, start the nightly pipeline (POST /v1/pipelines/nightly) and wait for the flow's root. `state`
   * is filled in as it goes, so a fault injector running alongside can see which jobs exist.
   */
  async runPipeline(file: string, state: PipelineState = {}, ms = 300_000): Promise<PipelineState> {
    const t0 = Date.now();
    const up = await this.upload(file);
    if (up.status !== 202 || typeof up.body.id !== 'string') throw new Error(`upload refused (${up.status}): ${up.text.slice(0, 300)}`);
    state.ingestId = up.body.id;
    await this.waitForJob(state.ingestId, 'ingest', ms);
    state.ingestSeconds = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    state.flow = await this.startNightly(null);
    await this.waitForFlow(state.flow, ms);
    state.flowSeconds = (Date.now() - t1) / 1000;
    state.done = true;
    return state;
  }

  /** The BullMQ queue a job name lives on, under the rig's prefix. */
  queueOf(name: JobName): Queue {
    return this.queues.queueFor(name);
  }

  /** A job by id (ids encode the job name: see jobIdFor), or null. */
  async job(id: string, name: JobName): Promise<JobView | null> {
    const job = await Job.fromId(this.queueOf(name), id);
    if (!job) return null;
    return { id, name: job.name, state: await job.getState(), attemptsMade: job.attemptsMade, progress: job.progress, failedReason: job.failedReason ?? '', finishedOn: job.finishedOn ?? 0 };
  }

  /**
   * Waits for an active job called `name` whose progress reached `minPercent` (0: as soon as it is active) and
   * returns it. Throws after `ms`, or early when `stop` (a flow root, say) has failed.
   */
  async waitForActive(name: JobName, opts: { minPercent?: number; ms?: number; pollMs?: number } = {}): Promise<JobView> {
    const until = Date.now() + (opts.ms ?? 120_000);
    const queue = this.queueOf(name);
    for (;;) {
      const active = await queue.getJobs(['active']);
      const hit = active.find((j) => j.name === name && percentOf(j.progress) >= (opts.minPercent ?? 0));
      if (hit?.id) return { id: hit.id, name, state: 'active', attemptsMade: hit.attemptsMade, progress: hit.progress, failedReason: '', finishedOn: 0 };
      if (Date.now() > until) throw new Error(`no active ${name} job with progress ≥ ${opts.minPercent ?? 0}% within ${opts.ms ?? 120_000} ms`);
      await sleep(opts.pollMs ?? 40);
    }
  }

  /** Waits until job `id` is completed; throws its failure (or a timeout naming its state). Returns seconds waited. */
  async waitForJob(id: string, name: JobName, ms = 180_000): Promise<number> {
    const t0 = Date.now();
    for (;;) {
      const j = await this.job(id, name);
      if (j?.state === 'completed') return (Date.now() - t0) / 1000;
      if (j?.state === 'failed') throw new Error(`${id} failed: ${j.failedReason}`);
      if (Date.now() - t0 > ms) throw new Error(`${id} still ${j?.state ?? 'missing'} after ${ms} ms`);
      await sleep(200);
    }
  }

  /** Waits for a nightly flow's root to complete; on failure or timeout the error lists every step's state. */
  async waitForFlow(flow: { id: string; steps: string[] }, ms = 300_000): Promise<number> {
    try {
      return await this.waitForJob(flow.id, 'segment', ms);
    } catch (err) {
      const states = await Promise.all(flow.steps.map(async (s) => {
        const name = stepName(s);
        const j = name ? await this.job(s, name).catch(() => null) : null;
        return `${s}: ${j?.state ?? '?'}${j?.failedReason ? ` (${j.failedReason})` : ''}`;
      }));
      throw new Error(`${err instanceof Error ? err.message : String(err)}; steps: ${states.join(', ')}`);
    }
  }

  /** Jobs under the prefix that are not finished (active covers stalled ones: a stalled job stays in the active list). */
  async unfinishedJobs(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const [name, q] of this.queues.byName) {
      const counts = await q.getJobCounts('active', 'waiting', 'delayed', 'waiting-children', 'prioritized');
      for (const [state, n] of Object.entries(counts)) if (n > 0) out[`${name}/${state}`] = n;
    }
    return out;
  }

  /** The number of events stored. */
  async countEvents(): Promise<number> {
    const [row]: { n: number | string }[] = await this.db('events').count({ n: '*' });
    return Number(row?.n ?? 0);
  }

  /**
   * A digest of the published outputs: the published scoring run's recommendations and intent and the
   * published segmentation's segments and members, in a fixed order and without run ids or timestamps.
   */
  async published(): Promise<PublishedDigest> {
    const db = this.db;
    const pointers: { kind: string; run_id: number }[] = await db('published_runs').select('kind', 'run_id');
    const scores = pointers.find((p) => p.kind === 'scores')?.run_id ?? null;
    const segments = pointers.find((p) => p.kind === 'segments')?.run_id ?? null;
    const hash = (rows: unknown[][]): string => {
      const h = createHash('sha256');
      for (const r of rows) h.update(`${JSON.stringify(r)}\n`);
      return h.digest('hex');
    };
    const recs = scores === null ? [] : ((await db('recommendations').where({ run_id: scores })
      .select('user_id', 'list', 'rank', 'item_id', 'score', 'reason', 'reason_item_id').orderBy(['user_id', 'list', 'rank'])) as Record<string, unknown>[]);
    const intent = scores === null ? [] : ((await db('user_intent').where({ run_id: scores })
      .select('user_id', 'probability', 'horizon_days').orderBy('user_id')) as Record<string, unknown>[]);
    const segs = segments === null ? [] : ((await db('segments').where({ run_id: segments })
      .select('segment_id', 'label', 'description', 'size', 'profile').orderBy('segment_id')) as Record<string, unknown>[]);
    const members = segments === null ? [] : ((await db('segment_members').where({ run_id: segments })
      .select('segment_id', 'user_id').orderBy(['segment_id', 'user_id'])) as Record<string, unknown>[]);
    const run: { status: string; users: number } | undefined = scores === null ? undefined : await db('score_runs').where({ run_id: scores }).first('status', 'users');
    const parts = {
      recommendations: hash(recs.map((r) => [r.user_id, r.list, r.rank, r.item_id, r.score, r.reason, r.reason_item_id])),
      intent: hash(intent.map((r) => [r.user_id, r.probability, r.horizon_days])),
      // profile is JSON; parse and re-serialise so key order and spacing from the driver do not matter
      segments: hash(segs.map((r) => [r.segment_id, r.label, r.description, r.size, canonical(r.profile)])),
      members: hash(members.map((r) => [r.segment_id, r.user_id])),
    };
    return {
      events: await this.countEvents(),
      digest: createHash('sha256').update(Object.values(parts).join('|')).digest('hex'),
      parts,
      rows: { recommendations: recs.length, intent: intent.length, segments: segs.length, members: members.length },
      runs: { scores, segments },
      complete: scores !== null && segments !== null && run?.status === 'published' && Number(run.users) === intent.length,
    };
  }

  /**
   * MySQL connection ids on this rig's database held by `who`: the workers (the writer user) or the API (the
   * read-only user). The rig's own connections are never included.
   */
  async connectionIds(who: 'workers' | 'api'): Promise<number[]> {
    const user = decodeURIComponent(new URL(who === 'api' ? this.config.MYSQL_READONLY_URL : this.config.MYSQL_URL).username);
    const rows = (await this.db.raw('SELECT ID AS id FROM information_schema.PROCESSLIST WHERE DB = ? AND USER = ?', [this.databaseName, user])) as [{ id: number }[], unknown];
    return rows[0].map((r) => Number(r.id)).filter((id) => !this.ownThreads.has(id));
  }

  /** Kills connections by id (ignores ones already gone); returns how many were killed. */
  async killConnections(ids: number[]): Promise<number> {
    let n = 0;
    for (const id of ids) {
      try {
        await this.db.raw('KILL CONNECTION ?', [id]);
        n++;
      } catch {
        // gone already
      }
    }
    return n;
  }

  /**
   * Kills every process, drops the database (kept with `keepDatabase`, to look into a bench's outputs afterwards),
   * deletes the prefix's Redis keys and the rig's folder (kept with `keepDir`).
   */
  async teardown(opts: { keepDir?: boolean; keepDatabase?: boolean } = {}): Promise<void> {
    await Promise.all(this.procs.map((p) => p.kill()));
    // The rig's own queues go before the keys: nothing may write under the prefix after the sweep.
    if (this.queuesOpen) await this.queuesOpen.close().catch(() => undefined);
    this.redis?.disconnect();
    this.queuesOpen = undefined;
    this.redis = undefined;
    const errors: string[] = [];
    try {
      if (!opts.keepDatabase) await this.db.raw('DROP DATABASE IF EXISTS ??', [this.databaseName]);
    } catch (err) {
      errors.push(`drop database: ${String(err)}`);
    }
    await this.writer?.destroy();
    this.writer = undefined;
    try {
      await deleteKeys(this.config.REDIS_URL, `${this.config.QUEUE_PREFIX}:*`);
    } catch (err) {
      errors.push(`redis cleanup: ${String(err)}`);
    }
    if (!opts.keepDir) await rm(this.dir, { recursive: true, force: true });
    if (errors.length > 0) throw new Error(`teardown of ${this.id}: ${errors.join('; ')}`);
  }

  /** The log of the most recent process called `name`, for failure details. */
  async lastLog(name: string): Promise<string> {
    const p = [...this.procs].reverse().find((x) => x.name === name);
    return p ? readFile(p.logFile, 'utf8').catch(() => '') : '';
  }
}

/** The job name of a flow step id (`preprocess-…`), or null. */
export function stepName(id: string): JobName | null {
  const names = Object.keys(QUEUE_OF).sort((a, b) => b.length - a.length) as JobName[];
  return names.find((n) => id.startsWith(`${n}-`)) ?? null;
}

function canonical(v: unknown): string {
  const o: unknown = typeof v === 'string' ? JSON.parse(v) : v;
  const sort = (x: unknown): unknown =>
    Array.isArray(x) ? x.map(sort) : x && typeof x === 'object' ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => a.localeCompare(b)).map(([k, y]) => [k, sort(y)])) : x;
  return JSON.stringify(sort(o));
}

/** Deletes keys matching `pattern` (SCAN + UNLINK in batches). */
export async function deleteKeys(url: string, pattern: string): Promise<number> {
  const r = new Redis(url, { maxRetriesPerRequest: 2, lazyConnect: true });
  r.on('error', () => undefined);
  let n = 0;
  try {
    await r.connect();
    let cursor = '0';
    do {
      const [next, keys] = await r.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      cursor = next;
      if (keys.length > 0) n += await r.unlink(...keys);
    } while (cursor !== '0');
  } finally {
    r.disconnect();
  }
  return n;
}

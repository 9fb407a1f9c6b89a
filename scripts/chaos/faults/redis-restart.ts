/**
 * Redis restarts mid-pipeline (a deploy, a crash with append-only persistence). The scenario runs its own
 * redis-server (AOF on, no RDB snapshots, its own port and folder), stops it while train runs, and starts it
 * again on the same folder. Workers and the API must reconnect; while Redis is away the API answers routes
 * that need it with a clear 503; the pipeline completes and publishes the baseline's outputs.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { CHAOS_TMP, freePort, percentOf } from '../rig';
import type { ChaosOutcome, ChaosScenario } from '../types';
import { clearUnavailable, drive, getBaseline, secs, sleep, startRig, verifyRun, judged } from './common';

/** A redis-server of the scenario's own, restartable on the same data folder. */
export class OwnRedis {
  private proc: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    readonly dir: string,
  ) {}

  static async create(): Promise<OwnRedis> {
    const dir = await mkdtemp(path.join(CHAOS_TMP, 'redis-'));
    return new OwnRedis(await freePort(), dir);
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  /** Starts (or restarts) the server and waits until it accepts connections. */
  async start(): Promise<void> {
    if (this.proc && this.proc.exitCode === null) return;
    const args = ['--port', String(this.port), '--bind', '127.0.0.1', '--dir', this.dir, '--appendonly', 'yes', '--save', '', '--maxmemory-policy', 'noeviction', '--daemonize', 'no'];
    const p = spawn('redis-server', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc = p;
    let out = '';
    p.stdout?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    p.stderr?.on('data', (d: Buffer) => (out = (out + d.toString()).slice(-8000)));
    const until = Date.now() + 15_000;
    while (!/Ready to accept connections/.test(out)) {
      if (p.exitCode !== null) throw new Error(`redis-server exited at start:\n${out}`);
      if (Date.now() > until) throw new Error(`redis-server not ready in 15 s:\n${out}`);
      await sleep(20);
    }
  }

  /** A clean stop: `redis-cli shutdown` (the AOF is flushed, nothing is lost). */
  async stop(): Promise<void> {
    const p = this.proc;
    if (!p || p.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
    const cli = spawn('redis-cli', ['-p', String(this.port), 'shutdown'], { stdio: 'ignore' });
    await new Promise<void>((resolve) => cli.once('exit', () => resolve()));
    await Promise.race([exited, sleep(10_000).then(() => p.kill('SIGKILL'))]);
    await exited;
  }

  /** Stops it for good and removes its folder. */
  async destroy(): Promise<void> {
    const p = this.proc;
    if (p && p.exitCode === null) {
      const exited = new Promise<void>((resolve) => p.once('exit', () => resolve()));
      p.kill('SIGKILL');
      await exited;
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** How long Redis stays down. */
const DOWN_MS = 3_000;

async function redisRestartRun(server: OwnRedis, name: string): Promise<ChaosOutcome> {
  const base = await getBaseline();
  // The production lock (20 s): a 3 s outage must not cost a job its lock.
  const rig = await startRig(name, { REDIS_URL: server.url, JOB_LOCK_MS: '20000', STALLED_CHECK_MS: '5000' });
  const problems: string[] = [];
  let recovery: number | null = null;
  try {
    const driver = drive(rig, base.file);
    const train = await rig.waitForActive('train', { minPercent: 13, ms: 180_000 });
    await server.stop();
    const downAt = Date.now();
    // While Redis is away: the job-status route (needs Redis) must answer 503 with the clear JSON error.
    const answers: string[] = [];
    let clear = 0;
    while (Date.now() - downAt < DOWN_MS) {
      const res = await rig.http('GET', `/v1/jobs/${train.id}`, undefined, 3_000).catch((err: unknown) => ({ status: 0, body: null, text: String(err) }));
      if (clearUnavailable(res.status, res.body)) clear++;
      else answers.push(`${res.status} ${res.text.slice(0, 100)}`);
      await sleep(200);
    }
    if (clear === 0) problems.push('no 503 while Redis was down');
    if (answers.length > 0) problems.push(`unclear answers while Redis was down: ${answers.slice(0, 3).join(' | ')}`);
    const readyz = await rig.http('GET', '/readyz').catch(() => null);
    if (readyz?.status !== 503) problems.push(`/readyz answered ${readyz?.status ?? 'nothing'} while Redis was down`);
    await server.start();
    const upAt = Date.now();
    for (;;) {
      const res = await rig.http('GET', `/v1/jobs/${train.id}`, undefined, 3_000).catch(() => null);
      if (res?.status === 200) {
        recovery = (Date.now() - upAt) / 1000;
        break;
      }
      if (Date.now() - upAt > 30_000) {
        problems.push('the API did not recover within 30 s of Redis returning');
        break;
      }
      await sleep(100);
    }
    if (recovery !== null && recovery > 5) problems.push(`the API took ${secs(recovery)} to recover (limit 5 s)`);
    const outcome = await driver.result;
    if (!outcome.ok) problems.push(`pipeline: ${outcome.error}`);
    const verdict = outcome.ok ? await verifyRun(rig, base) : { dataLost: 0, problems: [] };
    problems.push(...verdict.problems);
    const crashed = rig.procs.filter((p) => !p.running);
    if (crashed.length > 0) problems.push(`processes exited: ${crashed.map((p) => `${p.name} (${JSON.stringify(p.exit)})`).join(', ')}`);
    return judged(rig, problems, verdict.dataLost, recovery, () => `Redis down ${DOWN_MS / 1000} s during train (at ${Math.round(percentOf(train.progress))}%): ${clear} clear 503s; API back ${secs(recovery)} after Redis`);
  } finally {
    await rig.teardown({ keepDir: problems.length > 0 });
  }
}

/** Runs the rig's pipeline on a private Redis and restarts that Redis during train. */
export function redisRestartScenario(): ChaosScenario {
  let server: OwnRedis | undefined;
  const name = 'redis-restart-during-train';
  return {
    name,
    async setup() {
      await getBaseline();
      server = await OwnRedis.create();
      await server.start();
    },
    async run() {
      if (!server) throw new Error('setup did not start Redis');
      // A run that failed while Redis was down leaves it stopped: start it again.
      await server.start();
      return redisRestartRun(server, name);
    },
    async teardown() {
      await server?.destroy();
      server = undefined;
    },
  };
}


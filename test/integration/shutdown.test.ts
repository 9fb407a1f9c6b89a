import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createTestDb, testConfig } from '../helpers/env';

const ROOT = path.resolve(__dirname, '../..');

/** Starts a compiled entry point, waits for `ready` on stdout, sends `signal`, resolves with exit code and output. */
function runUntilSignal(
  script: string,
  env: NodeJS.ProcessEnv,
  ready: RegExp,
  signal: NodeJS.Signals,
  atReady: (pid: number) => void = () => undefined,
): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [path.join(ROOT, script)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let signalled = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`no clean exit; output:\n${out}`));
    }, 30_000);
    const onData = (d: Buffer): void => {
      out += d.toString();
      if (!signalled && ready.test(out)) {
        signalled = true;
        if (child.pid !== undefined) atReady(child.pid);
        child.kill(signal);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out });
    });
  });
}

describe('graceful shutdown of the real processes (what PM2 does)', () => {
  const config = testConfig('shutdown');
  let env: Awaited<ReturnType<typeof createTestDb>>;
  const processEnv = (): NodeJS.ProcessEnv => ({
    ...process.env,
    MYSQL_URL: config.MYSQL_URL,
    MYSQL_READONLY_URL: config.MYSQL_READONLY_URL,
    QUEUE_PREFIX: config.QUEUE_PREFIX,
    API_PORT: String(39_000 + (process.pid % 1000)),
  });
  beforeAll(async () => {
    env = await createTestDb(config);
  });
  afterAll(async () => {
    await env.drop();
  });

  it('a worker stops on SIGINT: stops taking jobs, closes Redis and MySQL, exits 0', async () => {
    const { code, out } = await runUntilSignal('dist/workers/main.js', processEnv(), /worker consuming/, 'SIGINT');
    expect(out).toMatch(/SIGINT: finishing current jobs/);
    expect(code).toBe(0);
  });

  it('a worker runs at the CPU priority of WORKER_NICE, so batch work yields to the API on a shared machine', async () => {
    // Field 19 of /proc/PID/stat is the nice value (the name in field 2 has no spaces here: "node").
    let nice: number | null = null;
    const { code } = await runUntilSignal('dist/workers/main.js', { ...processEnv(), WORKER_NICE: '7' }, /worker consuming/, 'SIGINT', (pid) => {
      nice = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(' ')[18]);
    });
    expect(code).toBe(0);
    expect(nice).toBe(7);
  });

  it('the API stops on SIGTERM and exits 0', async () => {
    const { code, out } = await runUntilSignal('dist/api/main.js', processEnv(), /ShopIntent API on/, 'SIGTERM');
    expect(out).toMatch(/SIGTERM/);
    expect(code).toBe(0);
  });

  it('a process with a bad setting refuses to start, naming every bad key', async () => {
    const { code, out } = await runUntilSignal('dist/workers/main.js', { ...processEnv(), TOP_K: 'many', WORKER_QUEUES: 'gpu' }, /$^/, 'SIGINT');
    expect(code).toBe(1);
    expect(out).toMatch(/TOP_K/);
    expect(out).toMatch(/WORKER_QUEUES/);
  });
});

import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { testConfig } from '../helpers/env';

const ROOT = path.resolve(__dirname, '../..');

/** Runs the compiled API until it exits by itself (or kills it after `ms`); resolves with its exit code and output. */
function runApi(env: NodeJS.ProcessEnv, ms: number): Promise<{ code: number | null; out: string; killed: boolean }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [path.join(ROOT, 'dist/api/main.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let killed = false;
    const timer = setTimeout(() => {
      killed = true;
      child.kill('SIGKILL');
    }, ms);
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, out, killed });
    });
  });
}

describe('the API process when its port is taken (issue 8)', () => {
  const config = testConfig('api_listen');
  let holder: Server;
  let port = 0;

  beforeAll(async () => {
    holder = createServer();
    await new Promise<void>((resolve) => holder.listen(0, resolve));
    const address = holder.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });
  afterAll(async () => {
    await new Promise((resolve) => holder.close(resolve));
  });

  it('exits non-zero within seconds, naming the port and API_PORT, and never says it is serving', async () => {
    const started = Date.now();
    const { code, out, killed } = await runApi(
      { ...process.env, MYSQL_READONLY_URL: config.MYSQL_READONLY_URL, QUEUE_PREFIX: config.QUEUE_PREFIX, API_PORT: String(port) },
      15_000,
    );
    expect(killed).toBe(false);
    expect(code).not.toBe(0);
    expect(code).not.toBeNull();
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(out).toMatch(new RegExp(`cannot listen on port ${port} \\(API_PORT\\): the port is already in use`));
    expect(out).not.toMatch(/ShopIntent API on/);
  });
});

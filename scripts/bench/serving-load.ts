/**
 * The serving bench's load generator, run in a process and session of its own (serving.ts starts it detached):
 * the kernel shares the CPUs between sessions first (sched_autogroup), so a generator in the API's session would
 * take its CPU from the API's share, which a site's traffic never does. Prints one JSON result.
 *   node dist/scripts/bench/serving-load.js '<LoadJob as JSON>'
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import autocannon from 'autocannon';
import { pacedLoad } from '../chaos/load/paced';
import { watchCpuWait } from './serving-probes';

/** One run: closed loop (autocannon, as fast as `connections` allow) or paced open loop at `rate`. */
export interface LoadJob {
  mode: 'closed' | 'paced';
  url: string;
  /** the X-API-Key to send (null: none) */
  key: string | null;
  /** request n's path: a constant, or `prefix + (n mod count) + suffix` */
  path: string | { prefix: string; count: number; suffix: string };
  connections: number;
  seconds: number;
  /** closed: stop after this many requests instead of `seconds` */
  amount?: number;
  /** paced: requests per second */
  rate?: number;
}

export interface LoadResult {
  ok: number;
  bad: number;
  /** seconds the run took (closed: autocannon's duration; paced: first send to last answer) */
  seconds: number;
  /** ms of every 2xx answer */
  latencies: number[];
  /** paced: when each answer came (s after the first send), parallel to latencies */
  latencyTimes: number[];
  /** the generator's CPU time, s */
  cpuSeconds: number;
  /** the generator's own event-loop delay: answers it reads late look slow */
  loopP99Ms: number;
  loopMaxMs: number;
  /** ms per second the generator was runnable but waiting for a CPU */
  cpuWaitMsPerSecond: number;
  /** paced: how late requests went out, 99th percentile */
  sendLagP99Ms: number;
  answerRate: number;
}

const pathOf = (p: LoadJob['path']) => (n: number): string => (typeof p === 'string' ? p : `${p.prefix}${n % p.count}${p.suffix}`);

async function closed(job: LoadJob): Promise<Omit<LoadResult, 'cpuSeconds' | 'loopP99Ms' | 'loopMaxMs' | 'cpuWaitMsPerSecond'>> {
  const path = pathOf(job.path);
  const latencies: number[] = [];
  let n = 0;
  const r = await new Promise<autocannon.Result>((done, fail) => {
    const run = autocannon(
      {
        url: job.url,
        connections: job.connections,
        ...(job.amount ? { amount: job.amount } : { duration: job.seconds }),
        timeout: 10,
        headers: job.key === null ? {} : { 'x-api-key': job.key },
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path(n++) }) }],
      },
      (err: unknown, result) => (err ? fail(err instanceof Error ? err : new Error('autocannon failed')) : done(result)),
    );
    run.on('response', (_client, status, _bytes, ms) => {
      if (status >= 200 && status < 300) latencies.push(ms);
    });
  });
  return { ok: r['2xx'], bad: r.non2xx + r.errors + r.timeouts, seconds: r.duration, latencies, latencyTimes: [], sendLagP99Ms: 0, answerRate: r['2xx'] / r.duration };
}

async function paced(job: LoadJob): Promise<Omit<LoadResult, 'cpuSeconds' | 'loopP99Ms' | 'loopMaxMs' | 'cpuWaitMsPerSecond'>> {
  const path = pathOf(job.path);
  const headers: Record<string, string> = job.key === null ? {} : { 'x-api-key': job.key };
  const r = await pacedLoad({
    baseUrl: job.url, rate: job.rate ?? 1, seconds: job.seconds, sockets: job.connections,
    request: (i) => ({ method: 'GET', path: path(i), headers }),
  });
  return { ok: r.latencies.length, bad: r.bad + r.errors + r.timeouts, seconds: r.totalSeconds, latencies: r.latencies, latencyTimes: r.latencyTimes, sendLagP99Ms: r.lagP99, answerRate: r.answerRate };
}

/** Runs `job` in a detached child (a session of its own) and resolves with its result. */
export function runLoad(job: LoadJob): Promise<LoadResult> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [resolve(__dirname, 'serving-load.js'), JSON.stringify(job)], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
    const out: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.once('error', fail);
    child.once('exit', (code) => {
      if (code !== 0) {
        fail(new Error(`load generator exited with ${String(code)}`));
        return;
      }
      try {
        done(JSON.parse(Buffer.concat(out).toString('utf8')) as LoadResult);
      } catch (err) {
        fail(err instanceof Error ? err : new Error('load generator printed no result'));
      }
    });
  });
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as LoadJob;
  const loop = monitorEventLoopDelay({ resolution: 5 });
  loop.enable();
  const cpu = process.cpuUsage();
  const wait = await watchCpuWait(process.pid);
  const result = job.mode === 'closed' ? await closed(job) : await paced(job);
  const used = process.cpuUsage(cpu);
  const waited = await wait.stop();
  loop.disable();
  const full: LoadResult = {
    ...result, cpuSeconds: (used.user + used.system) / 1e6, loopP99Ms: loop.percentile(99) / 1e6, loopMaxMs: loop.max / 1e6, cpuWaitMsPerSecond: waited.waitMsPerSecond,
  };
  process.stdout.write(`${JSON.stringify(full)}\n`);
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}

/**
 * What the serving bench watches besides the client's latencies, to say where a latency tail comes from on a
 * machine it shares: the API's own view (its request-latency histogram, event-loop delay and GC pauses, read from
 * /metrics before and after a phase), how long the API's main thread and the load generator waited for a CPU
 * while runnable (/proc/PID/schedstat), and Redis round trips timed from a separate process.
 */
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { API_KEY, type Rig } from '../chaos/rig';

/** Prometheus text as `name{labels}` → value (labels as written; enough for reading our own series back). */
export type Scrape = Map<string, number>;

/** GET /metrics with the rig's ops key, parsed. */
export async function scrape(rig: Rig): Promise<Scrape> {
  const res = await fetch(`${rig.baseUrl}/metrics`, { headers: { 'x-api-key': API_KEY } });
  if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`);
  const out: Scrape = new Map();
  for (const line of (await res.text()).split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    out.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return out;
}

const delta = (a: Scrape, b: Scrape, series: string): number => (b.get(series) ?? 0) - (a.get(series) ?? 0);

/** In-process latency of one route between two scrapes (the API's histogram: from its metrics middleware to the response's end). */
export interface ServerLatency {
  requests: number;
  /** share of requests the API itself took longer than 10 ms over */
  over10msShare: number;
  /** the histogram bucket (upper bound, ms) that holds the 50th and 99th percentile */
  p50BucketMs: number;
  p99BucketMs: number;
}

/** The API's latency histogram of `route` (GET, 200) between two scrapes. */
export function serverLatency(a: Scrape, b: Scrape, route: string): ServerLatency {
  const bucket = (le: string): string => `shopintent_http_request_duration_seconds_bucket{method="GET",route="${route}",status_code="200",le="${le}"}`;
  const bounds = [...b.keys()].filter((k) => k.startsWith(bucket('').slice(0, -3))).map((k) => /le="([^"]+)"/.exec(k)?.[1] ?? '+Inf');
  const rows = bounds.map((le) => ({ ms: le === '+Inf' ? Infinity : Number(le) * 1000, n: delta(a, b, bucket(le)) })).sort((x, y) => x.ms - y.ms);
  const total = rows.at(-1)?.n ?? 0;
  const at = (q: number): number => rows.find((r) => r.n >= q * total)?.ms ?? Number.NaN;
  const within10 = rows.find((r) => r.ms === 10)?.n ?? Number.NaN;
  return { requests: total, over10msShare: total > 0 ? 1 - within10 / total : Number.NaN, p50BucketMs: at(0.5), p99BucketMs: at(0.99) };
}

/** The API process between two scrapes: event-loop delay (prom-client resets it at every scrape) and GC pauses. */
export interface ProcessPauses {
  eventLoopP99Ms: number;
  eventLoopMaxMs: number;
  gcMs: number;
  gcPauses: number;
  /** GC pauses over 10 ms */
  gcPausesOver10ms: number;
}

export function processPauses(a: Scrape, b: Scrape): ProcessPauses {
  const gc = [...b.keys()].filter((k) => k.startsWith('nodejs_gc_duration_seconds_'));
  const sum = (suffix: string, extra = ''): number => gc.filter((k) => k.startsWith(`nodejs_gc_duration_seconds_${suffix}`) && k.includes(extra)).reduce((s, k) => s + delta(a, b, k), 0);
  const pauses = sum('count');
  return {
    eventLoopP99Ms: (b.get('nodejs_eventloop_lag_p99_seconds') ?? Number.NaN) * 1000,
    eventLoopMaxMs: (b.get('nodejs_eventloop_lag_max_seconds') ?? Number.NaN) * 1000,
    gcMs: sum('sum') * 1000,
    gcPauses: pauses,
    gcPausesOver10ms: pauses - sum('bucket', 'le="0.01"'),
  };
}

/** A thread's scheduler figures (/proc/PID/schedstat): ns on a CPU, ns runnable but waiting for one, and times it got one. */
interface SchedStat {
  runNs: number;
  waitNs: number;
  slices: number;
}

async function schedstat(pid: number): Promise<SchedStat | null> {
  try {
    const [run = 0, wait = 0, slices = 0] = (await readFile(`/proc/${pid}/schedstat`, 'utf8')).trim().split(/\s+/).map(Number);
    return { runNs: run, waitNs: wait, slices };
  } catch {
    return null;
  }
}

/** How long a thread waited for a CPU while it had work, over a phase. */
export interface CpuWait {
  /** ms spent runnable but not running, per second of wall time */
  waitMsPerSecond: number;
  /** the mean wait each time it was given a CPU, in ms */
  meanWaitMs: number;
}

/** Starts watching the run-queue waits of `pid`'s main thread (the event loop). */
export async function watchCpuWait(pid: number): Promise<{ stop(): Promise<CpuWait> }> {
  const t0 = Date.now();
  const s0 = await schedstat(pid);
  return {
    async stop() {
      const s1 = await schedstat(pid);
      const seconds = (Date.now() - t0) / 1000;
      if (!s0 || !s1 || seconds <= 0) return { waitMsPerSecond: Number.NaN, meanWaitMs: Number.NaN };
      const waitMs = (s1.waitNs - s0.waitNs) / 1e6;
      const slices = s1.slices - s0.slices;
      return { waitMsPerSecond: waitMs / seconds, meanWaitMs: slices > 0 ? waitMs / slices : 0 };
    },
  };
}

/**
 * Whether the kernel groups processes by session before sharing the CPUs (sched_autogroup): then the API and its
 * load generator (one session) get one share between them, however many other sessions are busy; -1: unknown.
 */
export async function autogroupEnabled(): Promise<number> {
  try {
    return Number((await readFile('/proc/sys/kernel/sched_autogroup_enabled', 'utf8')).trim());
  } catch {
    return -1;
  }
}

/** Redis round trips timed from a separate process (so the load generator's own event loop is not in them). */
export interface RedisRtt {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  samples: number;
}

/** One PING every 5 ms for `seconds` from a child node process; resolves with the percentiles. */
export async function redisRoundTrips(url: string, seconds: number): Promise<RedisRtt> {
  const script = `
    const { Redis } = require('ioredis');
    const r = new Redis(${JSON.stringify(url)}, { maxRetriesPerRequest: 1 });
    const xs = []; const until = Date.now() + ${Math.round(seconds * 1000)};
    const one = async () => {
      if (Date.now() > until) {
        r.disconnect(); xs.sort((a, b) => a - b);
        const at = (q) => xs[Math.min(xs.length - 1, Math.ceil(q * xs.length) - 1)] ?? NaN;
        process.stdout.write(JSON.stringify({ p50Ms: at(0.5), p99Ms: at(0.99), maxMs: xs.at(-1) ?? NaN, samples: xs.length }));
        return;
      }
      const t = process.hrtime.bigint(); await r.ping(); xs.push(Number(process.hrtime.bigint() - t) / 1e6);
      setTimeout(one, 5);
    };
    r.once('ready', one);`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.once('error', reject);
    child.once('exit', (code) => {
      try {
        if (code !== 0) throw new Error(`exited with ${String(code)}`);
        resolve(JSON.parse(out) as RedisRtt);
      } catch (err) {
        reject(new Error(`Redis round-trip probe failed: ${err instanceof Error ? err.message : String(err)}`));
      }
    });
  });
}

/** Everything measured around the paced phase, for the verdict below. */
export interface TailFacts {
  goalMs: number;
  clientP99Ms: number;
  clientP50Ms: number;
  /** share of the client's answers slower than the goal */
  clientShareOverGoal: number;
  /** the client's p50 at full speed, before: a p50 far above it at half the rate means the API fell behind */
  fullSpeedP50Ms: number;
  server: ServerLatency;
  pauses: ProcessPauses;
  apiWait: CpuWait;
  generatorWait: CpuWait;
  redis: RedisRtt;
  /** how late the paced generator sent its requests, 99th percentile */
  sendLagP99Ms: number;
  /** the load generator's own event-loop delay, 99th percentile: answers it reads late look slow */
  generatorLoopP99Ms: number;
  load1: number;
}

const ms = (x: number): string => (Number.isFinite(x) ? (x >= 10 ? x.toFixed(0) : x.toFixed(1)) : '?');

/**
 * Where the p99 at half throughput comes from, in one line, from the facts measured in the same phase: the API's
 * own request latency (its histogram), its event-loop delay and GC pauses, the run-queue waits of the API and of
 * the load generator, Redis round trips and the machine's load.
 */
export function tailCause(f: TailFacts): string {
  const facts = `client p99 ${ms(f.clientP99Ms)} ms; in the API ${(100 * f.server.over10msShare).toFixed(2)}% of requests took over 10 ms (p99 in the ≤${ms(f.server.p99BucketMs)} ms bucket); ` +
    `API event loop delay p99 ${ms(f.pauses.eventLoopP99Ms)} ms, max ${ms(f.pauses.eventLoopMaxMs)} ms; GC ${ms(f.pauses.gcMs)} ms in ${f.pauses.gcPauses} pauses (${f.pauses.gcPausesOver10ms} over 10 ms); ` +
    `API main thread waited for a CPU ${ms(f.apiWait.waitMsPerSecond)} ms per s (mean ${ms(f.apiWait.meanWaitMs)} ms a time), the load generator ${ms(f.generatorWait.waitMsPerSecond)} ms per s; ` +
    `generator send lag p99 ${ms(f.sendLagP99Ms)} ms, its event loop delay p99 ${ms(f.generatorLoopP99Ms)} ms; Redis PING p99 ${ms(f.redis.p99Ms)} ms from another process; load average ${f.load1.toFixed(1)} on ${availableParallelism()} cores`;
  if (f.clientP99Ms < f.goalMs) return `goal met: ${facts}`;
  const pct = (x: number): string => `${(100 * x).toFixed(1)}%`;
  const waits = f.apiWait.waitMsPerSecond + f.generatorWait.waitMsPerSecond;
  let verdict: string;
  if (f.clientP50Ms > Math.max(f.goalMs, 2 * f.fullSpeedP50Ms)) {
    verdict = `overload, not a tail: the median answer took ${ms(f.clientP50Ms)} ms against ${ms(f.fullSpeedP50Ms)} ms at full speed before, so requests queued: ` +
      'the API got less CPU in this phase than half of the earlier throughput needs (see the run-queue waits)';
  } else if (f.server.over10msShare < f.clientShareOverGoal / 2) {
    verdict = `${pct(f.clientShareOverGoal)} of answers took over ${f.goalMs} ms at the client but only ${pct(f.server.over10msShare)} inside the API's handlers: ` +
      'most of the wait is before the API reads a request, while its event loop is stalled by GC pauses and by waiting for a CPU' +
      (waits >= 100 ? ' (the machine is shared: the kernel gives each busy session a share of the cores, and the API\'s was short of what it asked for)' : '') +
      (f.generatorLoopP99Ms >= f.goalMs ? ', and in the load generator reading answers late' : '');
  } else if (f.redis.p99Ms >= f.goalMs / 2) {
    verdict = `inside the API's handlers (${pct(f.server.over10msShare)} of requests over ${f.goalMs} ms there): Redis round trips (the rate-limit call every request waits for)`;
  } else {
    verdict = `inside the API's handlers (${pct(f.server.over10msShare)} of requests over ${f.goalMs} ms there): GC pauses and waiting for a CPU`;
  }
  return `${verdict}. ${facts}`;
}

/**
 * `npm run bench -- serving`: the read API as the shop's site calls it. A real API process on loopback over a
 * published run of SERVING_BENCH_USERS customers (20 items each); autocannon (in this process) drives it.
 *   1. Two static JSON routes of the same server at full speed: `GET /v1/whoami` (a constant answer behind the same
 *      key check, rate limits, logging and metrics as every /v1 route: the yardstick for what the recommendations
 *      route's own work costs) and `GET /healthz` (no key, no limits: the bare server).
 *   2. `GET /v1/users/:id/recommendations` at full speed over every customer id in turn (after one warm pass:
 *      the cache holds the published lists, as it does in production after the first reads).
 *   3. The same route at half of (2)'s throughput, paced (autocannon overallRate): the p99 the goal is about.
 * Goals (issue 12): recommendations throughput ≥ 70% of the static route's (`ratio`, against /v1/whoami; the ratio
 * against /healthz is reported too); p99 < 10 ms at half of it. The rate limits stay on as in production (Redis
 * round trips per request), raised so they never refuse.
 */
import autocannon from 'autocannon';
import { writeScoreShard, createRun, publishRun, type RecommendationRow } from '../../db/repositories/runs';
import { measureCpu } from '../chaos/load/cpu';
import { API_KEY, Rig } from '../chaos/rig';
import type { Bench } from './types';

const USERS = Number(process.env.SERVING_BENCH_USERS ?? 20_000);
const SECONDS = Number(process.env.SERVING_BENCH_SECONDS ?? 10);
const CONNECTIONS = 16;
const ITEMS = 2_000;

/** A published run with `users` customers of 20 recommendations each, written as score-shard writes it. */
async function seed(rig: Rig, users: number): Promise<string[]> {
  const now = '2026-01-01 00:00:00';
  const items = Array.from({ length: ITEMS }, (_, i) => ({ item_id: `item${i}`, title: `Item ${i}`, category: `Cat ${i % 20}`, updated_at: now }));
  for (let i = 0; i < items.length; i += 1000) await rig.db('items').insert(items.slice(i, i + 1000));
  const runId = await createRun(rig.db, 'scores', null, {});
  const ids = Array.from({ length: users }, (_, u) => `customer-${u}`);
  for (let s = 0; s < users; s += 2000) {
    const chunk = ids.slice(s, s + 2000);
    const recs: RecommendationRow[] = chunk.flatMap((userId, u) => Array.from({ length: 20 }, (_, r) => ({
      userId, list: 'for-you' as const, rank: r + 1, itemId: `item${(u * 7 + r * 13) % ITEMS}`, score: 1 - r / 20, reason: 'bought-with', reasonItemId: `item${u % ITEMS}`,
    })));
    await writeScoreShard(rig.db, runId, chunk, recs, chunk.map((userId) => ({ userId, probability: 0.3, horizonDays: 30 })));
  }
  await publishRun(rig.db, 'scores', runId, users);
  return ids;
}

interface Load {
  rps: number;
  p50: number;
  p99: number;
  non2xx: number;
  errors: number;
  cpuPct: number;
}

async function load(rig: Rig, pid: number, path: (n: number) => string, opts: { seconds: number; rate?: number; key?: boolean; amount?: number }): Promise<Load> {
  let n = 0;
  const cpu = await measureCpu(pid);
  const r = await autocannon({
    url: rig.baseUrl,
    connections: CONNECTIONS,
    ...(opts.amount ? { amount: opts.amount } : { duration: opts.seconds }),
    timeout: 10,
    ...(opts.rate ? { overallRate: Math.round(opts.rate) } : {}),
    headers: opts.key === false ? {} : { 'x-api-key': API_KEY },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: path(n++) }) }],
  });
  const use = await cpu.stop();
  return { rps: r['2xx'] / r.duration, p50: r.latency.p50, p99: r.latency.p99, non2xx: r.non2xx, errors: r.errors + r.timeouts, cpuPct: use.processPct };
}

export const servingBench: Bench = {
  name: 'serving',
  description: `recommendations route vs a static JSON route of the same API process, ${USERS} customers, autocannon on loopback`,
  async run() {
    const rig = await Rig.create({ name: 'bench_serving', env: { RATE_LIMIT_ADDRESS_PER_SECOND: '1000000', RATE_LIMIT_KEY_PER_SECOND: '1000000', LOG_LEVEL: 'warn' } });
    try {
      const ids = await seed(rig, USERS);
      const api = await rig.startApi();
      const recs = (n: number): string => `/v1/users/${ids[n % ids.length]!}/recommendations`;
      // Every customer once, from MySQL (the first read after a publish), which also fills the cache as a day
      // of traffic does; then the measured runs, served from the cache.
      const cold = await load(rig, api.pid, recs, { seconds: 0, amount: ids.length });
      const bare = await load(rig, api.pid, () => '/healthz', { seconds: SECONDS, key: false });
      const statik = await load(rig, api.pid, () => '/v1/whoami', { seconds: SECONDS });
      const full = await load(rig, api.pid, recs, { seconds: SECONDS });
      const half = await load(rig, api.pid, recs, { seconds: SECONDS, rate: full.rps / 2 });
      const bad = cold.non2xx + cold.errors + bare.non2xx + bare.errors + statik.non2xx + statik.errors + full.non2xx + full.errors + half.non2xx + half.errors;
      if (bad > 0) throw new Error(`${bad} failed answers during the bench (see ${rig.dir})`);
      return {
        customers: USERS,
        static_rps: Math.round(statik.rps),
        recs_rps: Math.round(full.rps),
        ratio: full.rps / statik.rps,
        ratio_goal: 0.7,
        healthz_rps: Math.round(bare.rps),
        ratio_vs_healthz: full.rps / bare.rps,
        p50_ms: full.p50,
        p99_ms: full.p99,
        rps_at_half: Math.round(half.rps),
        p50_ms_at_half: half.p50,
        p99_ms_at_half: half.p99,
        p99_goal_ms: 10,
        recs_rps_uncached: Math.round(cold.rps),
        p99_ms_uncached: cold.p99,
        api_cpu_pct_static: Math.round(statik.cpuPct),
        api_cpu_pct_recs: Math.round(full.cpuPct),
        api_cpu_pct_at_half: Math.round(half.cpuPct),
        api_cpu_ms_per_request: full.cpuPct / 100 / full.rps * 1000,
      };
    } finally {
      await rig.teardown();
    }
  },
};

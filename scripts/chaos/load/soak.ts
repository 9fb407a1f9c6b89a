/**
 * `soak-read-api`: the read API under a steady load it can sustain, for a long time, while nightly pipelines
 * run on the same machine. Setup starts a rig (API with raised rate limits: the soak is one client with one key,
 * and one worker), runs a first pipeline so there is a published run, takes its customers' ids and measures the
 * API's maximum throughput with autocannon (as `npm run bench -- serving` does); the sustainable rate is half
 * of that. Each nightly publish switches the API's serving cache to the new run warm (api/serving-cache.ts), so
 * the reads ride through the pipelines' MySQL load. Each run then reads at that rate, first quietly (the reference p99), then for the soak
 * while pipelines run back to back, sampling the API process's RSS. It passes with no error of any kind, p99
 * within 2× the quiet figure, a flat RSS after the warm-up, every pipeline completed, and the published outputs
 * unchanged (same input, so the same lists).
 *
 * Settings (environment of `npm run chaos`): CHAOS_SOAK_SECONDS (600), CHAOS_SOAK_QUIET_SECONDS (20),
 * CHAOS_SOAK_CALIBRATE_SECONDS (10), CHAOS_SOAK_RATE (skip the 50% rule and read at this rate).
 * One run takes the soak plus about a minute; the rig (and its first pipeline) is shared by the runs.
 */
import { API_KEY, Rig, shopFile, type Proc, type PublishedDigest } from '../rig';
import type { ChaosOutcome, ChaosScenario } from '../types';
import { calibrate, recommendationsPath, type Calibration } from './calibrate';
import { measureCpu, type CpuUse } from './cpu';
import { rssSlopePerMinute, sampleRss, type RssSample } from './memory';
import { envNumber, fmt, message } from './options';
import { pacedLoad, percentile, windowedPercentile, type PacedResult } from './paced';

/** Share of the measured maximum throughput that the soak reads at. */
const SUSTAINABLE_SHARE = 0.5;
/** RSS growth (MB per minute, least squares after the warm-up) above which the API counts as leaking. */
export const RSS_SLOPE_LIMIT = 2;
/** A tiny quiet p99 (1–2 ms) doubles on scheduling noise alone: the soak may always add this much. */
const P99_FLOOR_MS = 5;
/** Shorter windows than this are too short for a slope to mean anything (GC sawtooth): reported, not judged. */
const MIN_SLOPE_WINDOW_S = 120;
/** Longest one pipeline may take before the run counts it as failed (the small shop's takes 10–30 s). */
const PIPELINE_MS = 180_000;
/** The runner stops waiting for a run after 15 minutes (RUN_LIMIT_MS in index.ts): a run must fit with its tail. */
const RUNNER_LIMIT_S = 15 * 60;

interface Settings {
  soakSeconds: number;
  quietSeconds: number;
  calibrateSeconds: number;
  rate: number | null;
}

function settings(): Settings {
  const s: Settings = {
    soakSeconds: envNumber('CHAOS_SOAK_SECONDS', 600),
    quietSeconds: envNumber('CHAOS_SOAK_QUIET_SECONDS', 20),
    calibrateSeconds: envNumber('CHAOS_SOAK_CALIBRATE_SECONDS', 10),
    rate: process.env.CHAOS_SOAK_RATE ? envNumber('CHAOS_SOAK_RATE', 1) : null,
  };
  const worst = s.quietSeconds + s.soakSeconds + PIPELINE_MS / 1000;
  if (worst > RUNNER_LIMIT_S) throw new Error(`CHAOS_SOAK_SECONDS ${s.soakSeconds} + quiet ${s.quietSeconds} s + a pipeline's ${PIPELINE_MS / 1000} s exceed the runner's ${RUNNER_LIMIT_S} s per run`);
  return s;
}

interface Shared {
  rig: Rig;
  api: Proc;
  file: string;
  ids: string[];
  cal: Calibration | null;
  rate: number;
  baseline: PublishedDigest;
  firstPipelineSeconds: number;
}

/** A read load and the first few answers that broke a promise. */
interface ReadLoad {
  res: PacedResult;
  problems: string[];
}

/** Reads customers' for-you lists at `rate` for `seconds`: every answer must be a 200 with that customer's list. */
async function readLoad(rig: Rig, ids: string[], rate: number, seconds: number): Promise<ReadLoad> {
  const problems: string[] = [];
  const note = (p: string): void => {
    if (problems.length < 5) problems.push(p.replace(/\s+/g, ' ').slice(0, 160));
  };
  const idOf = (i: number): string => ids[i % ids.length] as string;
  const res = await pacedLoad({
    baseUrl: rig.baseUrl,
    rate,
    seconds,
    sockets: 32,
    timeoutMs: 10_000,
    request: (i) => ({ method: 'GET', path: recommendationsPath(idOf(i)), headers: { 'x-api-key': API_KEY } }),
    onAnswer: (i, _req, a) => {
      if (a.status !== 200) {
        note(`${a.status} for ${idOf(i)}: ${a.body}`);
        return false;
      }
      let body: { userId?: unknown; items?: unknown } | null = null;
      try {
        body = JSON.parse(a.body) as { userId?: unknown; items?: unknown };
      } catch {
        body = null;
      }
      if (body?.userId !== idOf(i) || !Array.isArray(body.items) || body.items.length === 0) {
        note(`200 without ${idOf(i)}'s list: ${a.body}`);
        return false;
      }
      return true;
    },
    onError: (i, _req, err, timedOut) => note(`${timedOut ? 'timeout' : 'error'} for ${idOf(i)}: ${err.message}`),
  });
  return { res, problems };
}

/** "min a s, median b s, max c s" of durations in seconds. */
const spread = (xs: number[]): string => (xs.length === 0 ? 'none' : `min ${fmt(Math.min(...xs))} s, median ${fmt(percentile(xs, 50))} s, max ${fmt(Math.max(...xs))} s`);
const failures = (r: PacedResult): number => r.bad + r.errors + r.timeouts;
const non2xx = (r: PacedResult): number => Object.entries(r.statuses).reduce((n, [code, k]) => (code.startsWith('2') ? n : n + k), 0);

/** The soak scenario (one rig for all its runs). */
export function soakReadApiScenario(): ChaosScenario {
  let shared: Shared | undefined;
  let anyFailed = false;

  async function setup(): Promise<void> {
    const cfg = settings();
    const file = await shopFile();
    // One client with one key: raise (not remove) the per-address and per-key limits, so their Redis
    // round trips stay in every request as in production but never refuse the soak.
    const rig = await Rig.create({ name: 'soak', env: { RATE_LIMIT_ADDRESS_PER_SECOND: '1000000', RATE_LIMIT_KEY_PER_SECOND: '1000000' } });
    try {
      const api = await rig.startApi();
      await rig.startWorker();
      const t0 = Date.now();
      await rig.runPipeline(file, {}, PIPELINE_MS);
      const firstPipelineSeconds = (Date.now() - t0) / 1000;
      const baseline = await rig.published();
      if (!baseline.complete || baseline.rows.recommendations === 0) throw new Error(`first pipeline published nothing complete: ${JSON.stringify(baseline.rows)}`);
      const rows = (await rig.db('recommendations').where({ run_id: baseline.runs.scores, list: 'for-you' }).distinct('user_id').orderBy('user_id')) as { user_id: string }[];
      const ids = rows.map((r) => String(r.user_id));
      let cal: Calibration | null = null;
      let rate = cfg.rate;
      if (rate === null) {
        cal = await calibrate(rig.baseUrl, API_KEY, ids, cfg.calibrateSeconds);
        if (cal.non2xx > 0 || cal.errors > 0) throw new Error(`calibration: ${cal.non2xx} non-2xx answers and ${cal.errors} errors (${cal.timeouts} timeouts) in ${cal.ok + cal.non2xx} requests`);
        rate = Math.max(10, Math.round(cal.maxRate * SUSTAINABLE_SHARE));
      }
      shared = { rig, api, file, ids, cal, rate, baseline, firstPipelineSeconds };
    } catch (err) {
      await rig.teardown({ keepDir: true }).catch(() => undefined);
      throw new Error(`${message(err)} (logs in ${rig.dir})`);
    }
  }

  async function run(): Promise<ChaosOutcome> {
    if (!shared) throw new Error('setup did not run');
    const { rig, api, ids, rate } = shared;
    const cfg = settings();
    if (!api.running) return { pass: false, dataLost: 0, recoverySeconds: null, detail: `API process not running (${JSON.stringify(api.exit)}): ${api.tail(3)}` };

    const quietCpu = await measureCpu(api.pid);
    const quiet = await readLoad(rig, ids, rate, cfg.quietSeconds);
    const quietUse = await quietCpu.stop();
    const quietP50 = percentile(quiet.res.latencies, 50);
    const quietP99 = percentile(quiet.res.latencies, 99);

    // The soak: reads at the same rate while pipelines run back to back, RSS sampled throughout.
    const sampleMs = 1000 * Math.max(1, Math.min(5, cfg.soakSeconds / 60));
    const rss = sampleRss(api.pid, sampleMs);
    const soakCpu = await measureCpu(api.pid);
    const worker = rig.workers[0];
    const workerCpu = worker ? await measureCpu(worker.pid) : null;
    let soaking = true;
    const pipelines: { seconds: number; error?: string }[] = [];
    const pipelineLoop = (async () => {
      while (soaking) {
        const t0 = Date.now();
        try {
          await rig.runPipeline(shared.file, {}, PIPELINE_MS);
          pipelines.push({ seconds: (Date.now() - t0) / 1000 });
        } catch (err) {
          pipelines.push({ seconds: (Date.now() - t0) / 1000, error: message(err) });
          return;
        }
      }
    })();
    const soak = await readLoad(rig, ids, rate, cfg.soakSeconds);
    soaking = false;
    const soakUse = await soakCpu.stop();
    const workerUse = workerCpu ? await workerCpu.stop() : null;
    const samples: RssSample[] = await rss.stop();
    await pipelineLoop;

    const soakP50 = percentile(soak.res.latencies, 50);
    const soakP99 = percentile(soak.res.latencies, 99);
    const floorApplies = 2 * quietP99 < quietP99 + P99_FLOOR_MS;
    const p99Limit = Math.max(2 * quietP99, quietP99 + P99_FLOOR_MS);
    const warmup = Math.min(60, cfg.soakSeconds / 4);
    const slope = rssSlopePerMinute(samples, warmup);
    const slopeJudged = cfg.soakSeconds - warmup >= MIN_SLOPE_WINDOW_S;
    // Per-minute p99s show a trend (latency creeping up with the heap) that one figure for the whole soak hides.
    const byMinute = cfg.soakSeconds >= 120 ? windowedPercentile(soak.res, 99, 60).map(fmt).join('/') : null;
    const rssStart = samples[0]?.mb ?? Number.NaN;
    const rssEnd = samples.at(-1)?.mb ?? Number.NaN;

    const after = await rig.published();
    let dataLost = 0;
    for (const k of Object.keys(shared.baseline.rows) as (keyof PublishedDigest['rows'])[]) dataLost += Math.max(0, shared.baseline.rows[k] - after.rows[k]);

    const problems: string[] = [];
    if (failures(quiet.res) > 0) problems.push(`quiet phase: ${quiet.res.bad} bad answers, ${quiet.res.errors} errors, ${quiet.res.timeouts} timeouts (${quiet.problems.join(' | ')})`);
    if (failures(soak.res) > 0) problems.push(`soak: ${soak.res.bad} bad answers (${non2xx(soak.res)} non-2xx), ${soak.res.errors} errors, ${soak.res.timeouts} timeouts (${soak.problems.join(' | ')})`);
    if (soak.res.sent < soak.res.planned) problems.push(`soak sent ${soak.res.sent} of ${soak.res.planned} requests`);
    if (!(soakP99 <= p99Limit)) problems.push(`soak p99 ${fmt(soakP99)} ms > limit ${fmt(p99Limit)} ms`);
    if (slopeJudged && !(slope < RSS_SLOPE_LIMIT)) problems.push(`API RSS grows ${fmt(slope)} MB/min ≥ ${RSS_SLOPE_LIMIT}`);
    const completed = pipelines.filter((p) => !p.error);
    const failedPipeline = pipelines.find((p) => p.error);
    if (failedPipeline) problems.push(`pipeline failed: ${failedPipeline.error ?? ''}`);
    if (completed.length === 0) problems.push('no pipeline completed');
    if (!after.complete) problems.push('published scoring run not complete');
    if (after.digest !== shared.baseline.digest) problems.push(`published outputs differ from the first run's (rows ${JSON.stringify(after.rows)} vs ${JSON.stringify(shared.baseline.rows)})`);
    if (!api.running) problems.push(`API exited: ${JSON.stringify(api.exit)}`);
    const pass = problems.length === 0;
    if (!pass) anyFailed = true;

    const c = shared.cal;
    const rateWhy = c
      ? `rate ${rate}/s = ${SUSTAINABLE_SHARE * 100}% of ${fmt(c.maxRate)}/s max (autocannon ${fmt(c.seconds)} s, ${c.connections} connections, p99 ${fmt(c.p99)} ms, measured on this rig as npm run bench -- serving measures)`
      : `rate ${rate}/s (CHAOS_SOAK_RATE)`;
    const cpu = (u: CpuUse): string => `API CPU ${fmt(u.processPct)}% of a core, machine ${fmt(u.machinePct)}% busy, load ${u.load1.toFixed(1)}`;
    const sends = (r: PacedResult): string => `${r.answered}/${r.planned} answered at ${fmt(r.sendRate)}/s (schedule lag p99 ${fmt(r.lagP99)} ms, max ${fmt(r.lagMax)} ms)`;
    const detail = [
      ...problems.map((p) => `FAIL ${p}`),
      rateWhy,
      `quiet ${fmt(cfg.quietSeconds)} s: ${sends(quiet.res)}, p50 ${fmt(quietP50)} ms, p99 ${fmt(quietP99)} ms (${cpu(quietUse)})`,
      `soak ${fmt(cfg.soakSeconds)} s: ${sends(soak.res)}, p50 ${fmt(soakP50)} ms, p99 ${fmt(soakP99)} ms ≤ ${fmt(p99Limit)} ms (${floorApplies ? `quiet p99 + ${P99_FLOOR_MS} ms, as 2× a tiny p99 is noise` : '2× quiet p99'})${byMinute ? `, p99 by minute ${byMinute} ms` : ''}; non-2xx ${non2xx(soak.res)}, errors ${soak.res.errors}, timeouts ${soak.res.timeouts} (${cpu(soakUse)}${workerUse ? `, worker ${fmt(workerUse.processPct)}%` : ''})`,
      `API RSS ${fmt(rssStart)} → ${fmt(rssEnd)} MB, slope ${slope.toFixed(2)} MB/min after ${fmt(warmup)} s warm-up over ${samples.length} samples (${slopeJudged ? `limit ${RSS_SLOPE_LIMIT}` : `not judged: window under ${MIN_SLOPE_WINDOW_S} s`})`,
      `pipelines during the soak: ${completed.length} completed (${spread(completed.map((p) => p.seconds))}), setup's first one (no reads) ${fmt(shared.firstPipelineSeconds)} s`,
    ].join('; ');
    return { pass, dataLost, recoverySeconds: null, detail };
  }

  return {
    name: 'soak-read-api',
    quick: false,
    // The soak is ten minutes by definition: once per chaos run.
    maxRuns: 1,
    setup,
    run,
    async teardown() {
      const s = shared;
      shared = undefined;
      await s?.rig.teardown({ keepDir: anyFailed });
    },
  };
}

/**
 * Two schedulers started at the same moment (a deploy that starts the scheduler app twice, two machines with
 * the same PM2 file): both upsert the nightly job scheduler. Exactly one scheduler must exist, and each firing
 * must add exactly one nightly flow. The schedule fires every 3 s here (a six-field cron, seconds first).
 */
import { Rig } from '../rig';
import type { ChaosOutcome, ChaosScenario } from '../types';
import { sleep, judged } from './common';

const EVERY_S = 3;
const WATCH_MS = 11_000;

async function twoSchedulersRun(): Promise<ChaosOutcome> {
  // Only `control` is consumed: each firing's nightly-pipeline job adds its flow, whose preprocess job then
  // waits (nothing consumes preprocess), so every flow added stays countable.
  const rig = await Rig.create({ name: 'two-schedulers', env: { NIGHTLY_CRON: `*/${EVERY_S} * * * * *`, WORKER_QUEUES: 'control' } });
  const problems: string[] = [];
  let dataLost = 0;
  try {
    await rig.startWorker();
    const a = rig.spawn('scheduler', 'dist/workers/main.js', ['--scheduler']);
    const b = rig.spawn('scheduler', 'dist/workers/main.js', ['--scheduler']);
    const [ea, eb] = await Promise.all([a.exited, b.exited]);
    for (const [p, e] of [[a, ea], [b, eb]] as const) {
      if (e.code !== 0) problems.push(`a scheduler process exited ${e.code ?? e.signal ?? '?'}: ${p.tail(3)}`);
      else if (!/nightly schedule .* registered/.test(p.tail(5))) problems.push('a scheduler process did not say it registered the schedule');
    }
    const started = Date.now();
    await sleep(WATCH_MS);
    const control = rig.queueOf('nightly-pipeline');
    const schedulers = await control.getJobSchedulers();
    if (schedulers.length !== 1) problems.push(`${schedulers.length} job schedulers (want 1): ${schedulers.map((s) => `${s.key} ${s.pattern ?? ''}`).join(', ')}`);
    dataLost += Math.abs(schedulers.length - 1);
    // Stop the firings, let the last one's flow land, then count.
    for (const s of schedulers) await control.removeJobScheduler(s.key);
    await sleep(1_500);
    const nightly = (await control.getJobs(['completed', 'failed', 'active', 'waiting'])).filter((j) => j.name === 'nightly-pipeline');
    const failed = nightly.filter((j) => j.failedReason);
    if (failed.length > 0) problems.push(`${failed.length} firing(s) failed: ${failed[0]?.failedReason ?? ''}`);
    const preprocess = await rig.queueOf('preprocess').getJobs(['waiting', 'waiting-children', 'active', 'completed', 'failed', 'delayed', 'prioritized']);
    const firings = nightly.length;
    const expected = Math.floor(WATCH_MS / 1000 / EVERY_S);
    if (firings < expected - 1) problems.push(`${firings} firings in ${(Date.now() - started) / 1000} s (want about ${expected})`);
    if (preprocess.length !== firings) problems.push(`${preprocess.length} nightly flows (preprocess jobs) for ${firings} firings`);
    dataLost += Math.abs(preprocess.length - firings);
    // One firing per slot: no two firings closer together than the period (a firing's id ends with its slot's time).
    const times = nightly.map((j) => Number(/(\d+)$/.exec(j.id ?? '')?.[1] ?? NaN)).sort((x, y) => x - y);
    if (times.some((t) => Number.isNaN(t))) problems.push(`firing ids without a slot time: ${nightly.map((j) => j.id).join(', ')}`);
    const close = times.slice(1).filter((t, i) => t - (times[i] as number) < EVERY_S * 1000 * 0.8).length;
    if (close > 0) problems.push(`${close} firing(s) less than ${EVERY_S} s after the previous one`);
    dataLost += close;
    return judged(rig, problems, dataLost, null, () => `2 schedulers → ${schedulers.length} job scheduler; ${firings} firings → ${preprocess.length} flows`);
  } finally {
    await rig.teardown({ keepDir: problems.length > 0 });
  }
}

/** Two `--scheduler` processes at once; one schedule, one flow per firing. */
export const schedulerScenarios: ChaosScenario[] = [{ name: 'two-schedulers', quick: true, run: twoSchedulersRun }];

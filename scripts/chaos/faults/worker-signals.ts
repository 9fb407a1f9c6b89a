/**
 * A worker process is SIGKILLed (crash, OOM kill, lost machine) or SIGINTed (PM2 stop / reload) while it runs a
 * job of each type. A SIGKILLed job must be taken again by the next worker once its lock lapses and finish
 * with the same outputs; a SIGINTed worker must finish (or hand back) its job and exit 0.
 */
import type { JobName } from '../../../jobs/catalogue';
import { percentOf, type JobView, type Rig } from '../rig';
import type { ChaosOutcome, ChaosScenario } from '../types';
import { drive, getBaseline, secs, sleep, startRig, verifyRun, judged } from './common';

/** When a job of each type has made progress worth interrupting. */
interface Target {
  job: JobName;
  /** the job's reported progress must reach this */
  minPercent: number;
  /** a further sign of progress (ingest: a chunk committed) */
  progressed?: (rig: Rig) => Promise<boolean>;
}

const TARGETS: Target[] = [
  // Ingest reports progress once a second; a committed chunk (events in MySQL, checkpoint written) is the better sign.
  { job: 'ingest', minPercent: 0, progressed: async (rig) => (await rig.countEvents()) > 0 },
  { job: 'preprocess', minPercent: 5 },
  { job: 'train', minPercent: 13 },
  { job: 'score-shard', minPercent: 2 },
  // Segment takes well under a second here: waiting for its first progress report (20%, after it loaded the
  // features) missed it in 1 of 10 runs of the full suite on a loaded machine, so it is hit as soon as it is active.
  { job: 'segment', minPercent: 0 },
];

/** Waits for an active job matching the target; null when the pipeline got past it first. */
async function waitForTarget(rig: Rig, t: Target, finished: () => boolean): Promise<JobView | null> {
  const queue = rig.queueOf(t.job);
  for (;;) {
    const active = await queue.getJobs(['active']);
    const hit = active.find((j) => j.name === t.job && percentOf(j.progress) >= t.minPercent);
    if (hit?.id && (!t.progressed || (await t.progressed(rig)))) {
      return { id: hit.id, name: t.job, state: 'active', attemptsMade: hit.attemptsMade, progress: hit.progress, failedReason: '', finishedOn: 0 };
    }
    if (finished()) return null;
    await sleep(10);
  }
}

async function workerSignalRun(job: JobName, signal: 'SIGKILL' | 'SIGINT', name: string): Promise<ChaosOutcome> {
  const base = await getBaseline();
  const target = TARGETS.find((t) => t.job === job) as Target;
  const rig = await startRig(name);
  let keepDir = false;
  try {
    const [worker] = rig.workers;
    if (!worker) throw new Error('no worker started');
    let finished = false;
    const driver = drive(rig, base.file);
    void driver.result.then(() => (finished = true));
    const hit = await waitForTarget(rig, target, () => finished);
    if (!hit) {
      keepDir = true;
      const o = await driver.result;
      const why = o.ok ? 'the pipeline passed it first' : `the pipeline failed: ${o.error}`;
      return { pass: false, dataLost: 0, recoverySeconds: null, detail: `missed: no ${job} job was seen active with progress (${why}) [logs in ${rig.dir}]` };
    }
    const at = job === 'ingest' ? `after ${await rig.countEvents()} events were committed` : `at ${Math.round(percentOf(hit.progress))}%`;
    const signalledAt = Date.now();
    const notes: string[] = [];
    if (signal === 'SIGKILL') {
      await worker.kill();
    } else {
      worker.signal('SIGINT');
      // A graceful worker finishes its job first: give it the job's time plus margin, then look at how it exited.
      const exited = await worker.waitExit(120_000);
      const exit = worker.exit;
      if (!exited) notes.push('SIGINTed worker still running after 120 s');
      else if (exit?.code !== 0) notes.push(`SIGINTed worker exited with ${exit?.code ?? exit?.signal ?? '?'}`);
      const log = await rig.lastLog('worker');
      if (!/SIGINT: finishing current jobs/.test(log)) notes.push('SIGINTed worker did not log its graceful stop');
      if (!exited) await worker.kill();
    }
    await rig.startWorker();
    let recovery: number | null = null;
    try {
      await rig.waitForJob(hit.id, job, 180_000);
      recovery = (Date.now() - signalledAt) / 1000;
    } catch (err) {
      notes.push(`interrupted job: ${err instanceof Error ? err.message : String(err)}`);
    }
    const after = await rig.job(hit.id, job);
    if (after && after.finishedOn > 0 && after.finishedOn < signalledAt) notes.push(`missed: ${hit.id} finished before the ${signal}`);
    const outcome = await driver.result;
    if (!outcome.ok) notes.push(`pipeline: ${outcome.error}`);
    const verdict = outcome.ok ? await verifyRun(rig, base) : { dataLost: 0, problems: [] };
    const problems = [...notes, ...verdict.problems];
    keepDir = problems.length > 0;
    return judged(rig, problems, verdict.dataLost, recovery, () => `${signal} ${at} of ${hit.id}; it finished ${secs(recovery)} later`);
  } finally {
    await rig.teardown({ keepDir });
  }
}

const JOBS: JobName[] = ['ingest', 'preprocess', 'train', 'score-shard', 'segment'];

/** 10 scenarios: SIGKILL and SIGINT of the worker during each job type. */
export const workerSignalScenarios: ChaosScenario[] = (['SIGKILL', 'SIGINT'] as const).flatMap((signal) =>
  JOBS.map((job): ChaosScenario => {
    const name = `worker-${signal.toLowerCase()}-during-${job}`;
    return {
      name,
      quick: signal === 'SIGKILL' && job === 'ingest',
      async setup() {
        await getBaseline();
      },
      run: () => workerSignalRun(job, signal, name),
    };
  }),
);

/**
 * What the process-fault scenarios share: the undisturbed baseline run they compare against, the checks a
 * finished run must pass, and a poller that plays the shop's site reading lists while faults happen.
 */
import { Rig, shopFile, type PipelineState, type PublishedDigest } from '../rig';
import type { ChaosOutcome } from '../types';
import { whereCustomerKeys } from '../../../db/repositories/sql-util';

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** What an undisturbed run of the small shop publishes. */
export interface Baseline {
  file: string;
  published: PublishedDigest;
  /** a few customers and their published for-you lists (item ids by rank): what a reader must see, or nothing */
  lists: Map<string, string[]>;
  seconds: number;
}

let baseline: Promise<Baseline> | undefined;

/** The baseline, computed once per process (the first scenario's setup pays for it). */
export function getBaseline(): Promise<Baseline> {
  baseline ??= computeBaseline().catch((err: unknown) => {
    baseline = undefined;
    throw err;
  });
  return baseline;
}

async function computeBaseline(): Promise<Baseline> {
  const file = await shopFile();
  const t0 = Date.now();
  const rig = await Rig.create({ name: 'baseline' });
  try {
    await rig.startApi();
    await rig.startWorker();
    await rig.runPipeline(file);
    const published = await rig.published();
    if (!published.complete || published.rows.recommendations === 0) throw new Error(`baseline run published nothing complete: ${JSON.stringify(published.rows)}`);
    const users = (await rig.db('user_intent').where({ run_id: published.runs.scores }).orderBy('user_id').limit(6).pluck('user_id')) as string[];
    const lists = new Map<string, string[]>();
    for (const u of users) {
      lists.set(u, (await whereCustomerKeys(rig.db('recommendations').where({ run_id: published.runs.scores, list: 'for-you' }), [u]).orderBy('rank').pluck('item_id')) as string[]);
    }
    return { file, published, lists, seconds: (Date.now() - t0) / 1000 };
  } finally {
    await rig.teardown();
  }
}

/** A rig with the API and one worker running. */
export async function startRig(name: string, env: Record<string, string> = {}): Promise<Rig> {
  const rig = await Rig.create({ name, env });
  try {
    await Promise.all([rig.startApi(), rig.startWorker()]);
    return rig;
  } catch (err) {
    await rig.teardown({ keepDir: true }).catch(() => undefined);
    throw err;
  }
}

/** The outcome checks every completed pipeline must pass against the baseline. */
export interface Verdict {
  dataLost: number;
  problems: string[];
}

/**
 * Events counted exactly once, the published outputs equal to the baseline's (digest), the published run
 * complete, and no job left unfinished under the prefix. `dataLost` = |events − baseline| + published rows missing.
 */
export async function verifyRun(rig: Rig, base: Baseline): Promise<Verdict> {
  const got = await rig.published();
  const want = base.published;
  const problems: string[] = [];
  let lost = Math.abs(got.events - want.events);
  if (got.events !== want.events) problems.push(`events ${got.events} ≠ baseline ${want.events}`);
  for (const k of Object.keys(want.rows) as (keyof PublishedDigest['rows'])[]) {
    lost += Math.max(0, want.rows[k] - got.rows[k]);
    if (got.rows[k] !== want.rows[k]) problems.push(`${k} rows ${got.rows[k]} ≠ ${want.rows[k]}`);
  }
  if (got.digest !== want.digest) {
    const differing = (Object.keys(want.parts) as (keyof PublishedDigest['parts'])[]).filter((k) => got.parts[k] !== want.parts[k]);
    problems.push(`published outputs differ from the baseline in ${differing.join(', ')}`);
  }
  if (!got.complete) problems.push('published scoring run is not complete');
  const left = await rig.unfinishedJobs();
  if (Object.keys(left).length > 0) problems.push(`unfinished jobs: ${JSON.stringify(left)}`);
  return { dataLost: lost, problems };
}

/** What the reader poller saw. */
export interface ReaderStats {
  ok: number;
  notFound: number;
  unavailable: number;
  /** answers that broke a promise (a list that is not the baseline's, a 500, an unclear error), first few */
  bad: string[];
  badCount: number;
  lastOkAt: number;
}

/** Whether a 503 body is the clear JSON error the API promises. */
export function clearUnavailable(status: number, body: unknown): boolean {
  const e = (body as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  return status === 503 && typeof e?.code === 'string' && typeof e.message === 'string' && e.message.length > 0 && !/\n\s+at /.test(e.message);
}

/**
 * Reads the baseline's sample customers' for-you lists over and over (`parallel` loops) until stopped. Every
 * 200 must be exactly the baseline's list (outputs are deterministic, so any other list is a partial or foreign
 * run); 404 is allowed only until the first publish; 503 only with the clear JSON body.
 */
export function pollReaders(rig: Rig, base: Baseline, parallel = 1, pauseMs = 100): { stop(): Promise<ReaderStats> } {
  const stats: ReaderStats = { ok: 0, notFound: 0, unavailable: 0, bad: [], badCount: 0, lastOkAt: 0 };
  const users = [...base.lists.keys()];
  let running = true;
  let seenPublished = false;
  const flag = (s: string): void => {
    stats.badCount++;
    if (stats.bad.length < 5) stats.bad.push(s);
  };
  const loop = async (offset: number): Promise<void> => {
    for (let i = offset; running; i++) {
      const user = users[i % users.length] as string;
      try {
        const res = await rig.http<{ items?: { itemId: string }[]; error?: unknown }>('GET', `/v1/users/${user}/recommendations?list=for-you&limit=100`, undefined, 5_000);
        if (res.status === 200) {
          const got = (res.body.items ?? []).map((x) => x.itemId).join(',');
          if (got !== (base.lists.get(user) ?? []).join(',')) flag(`user ${user}: list ${got.slice(0, 60)}… is not the complete run's`);
          else {
            stats.ok++;
            stats.lastOkAt = Date.now();
            seenPublished = true;
          }
        } else if (res.status === 404) {
          stats.notFound++;
          if (seenPublished) flag(`user ${user}: 404 after the run was published`);
        } else if (clearUnavailable(res.status, res.body)) {
          stats.unavailable++;
        } else {
          flag(`user ${user}: ${res.status} ${res.text.slice(0, 120)}`);
        }
      } catch (err) {
        flag(`user ${user}: request failed: ${err instanceof Error ? err.message : String(err)}`);
      }
      await sleep(pauseMs);
    }
  };
  const loops = Array.from({ length: parallel }, (_, i) => loop(i));
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return stats;
    },
  };
}

/** Runs the client's pipeline in the background; `result` settles with the state or the error. */
export function drive(rig: Rig, file: string, ms = 300_000): { state: PipelineState; result: Promise<{ ok: true } | { ok: false; error: string }> } {
  const state: PipelineState = {};
  const result = rig.runPipeline(file, state, ms).then(
    () => ({ ok: true as const }),
    (err: unknown) => ({ ok: false as const, error: err instanceof Error ? err.message : String(err) }),
  );
  return { state, result };
}

/** Formats seconds for details. */
export const secs = (s: number | null): string => (s === null ? '-' : `${s.toFixed(1)} s`);

/** A run's outcome: a pass when no problem was found; a failure's detail lists the problems and where the logs are. */
export function judged(rig: Rig, problems: string[], dataLost: number, recoverySeconds: number | null, success: () => string): ChaosOutcome {
  const pass = problems.length === 0;
  return { pass, dataLost, recoverySeconds, detail: pass ? success() : `${problems.join('; ')} [logs in ${rig.dir}]` };
}

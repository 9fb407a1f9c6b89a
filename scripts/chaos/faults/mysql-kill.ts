/**
 * MySQL connections killed (a failover, a DBA's KILL, a proxy restart): the workers' connections while train
 * registers its model and while score-all-users publishes, then the API's read connections. Jobs must recover by
 * retrying, the published run must be the baseline's, readers must never see a partial run, and the API must
 * answer a clear 503 (never a 500) and recover within 5 s.
 */
import type { Rig } from '../rig';
import type { ChaosOutcome, ChaosScenario } from '../types';
import { drive, getBaseline, pollReaders, secs, sleep, startRig, verifyRun, type ReaderStats } from './common';

/** Kills `who`'s connections every `everyMs` for `ms`; returns how many kills landed. */
async function killFor(rig: Rig, who: 'workers' | 'api', ms: number, everyMs: number): Promise<number> {
  const until = Date.now() + ms;
  let killed = 0;
  while (Date.now() < until) {
    killed += await rig.killConnections(await rig.connectionIds(who));
    await sleep(everyMs);
  }
  return killed;
}

/** Waits until the flow's step called `name` is in one of `states`; returns its id. */
async function waitForStep(rig: Rig, steps: () => string[] | undefined, name: 'train' | 'score-all-users', states: string[], ms = 180_000): Promise<string> {
  const until = Date.now() + ms;
  for (;;) {
    const id = steps()?.find((s) => s.startsWith(`${name}-`));
    if (id) {
      const j = await rig.job(id, name);
      if (j && states.includes(j.state)) return id;
    }
    if (Date.now() > until) throw new Error(`${name} never reached ${states.join('/')} within ${ms / 1000} s`);
    await sleep(10);
  }
}

const readerProblems = (r: ReaderStats, what: string): string[] =>
  r.badCount > 0 ? [`${what}: ${r.badCount} bad answers, e.g. ${r.bad.join(' | ')}`] : [];

/**
 * Where the workers' connections are killed: `train` while it registers its model, `publish` inside
 * score-all-users' publishing transaction. To land the KILL inside that statement (not on an idle connection),
 * the rig briefly holds a row lock the statement needs, waits until a worker connection is seen blocked on it,
 * kills every worker connection, then lets go: the worker's transaction is rolled back and the job retries.
 */
type Moment = 'train' | 'publish';

/** Holds `lockSql` in a transaction until a worker statement matching `waiting` blocks on it, then kills every worker connection. */
async function killWhileBlocked(rig: Rig, lockSql: string, bindings: readonly (string | number)[], waiting: RegExp, ms = 120_000): Promise<{ killed: number; statement: string }> {
  const trx = await rig.db.transaction();
  try {
    await trx.raw(lockSql, bindings);
    const until = Date.now() + ms;
    for (;;) {
      const rows = (await rig.db.raw(
        "SELECT ID AS id, INFO AS info FROM information_schema.PROCESSLIST WHERE DB = ? AND COMMAND = 'Query' AND INFO IS NOT NULL", [rig.databaseName],
      )) as [{ id: number; info: string }[], unknown];
      const ids = new Set(await rig.connectionIds('workers'));
      const blocked = rows[0].find((r) => ids.has(Number(r.id)) && waiting.test(r.info));
      if (blocked) return { killed: await rig.killConnections([...ids]), statement: blocked.info.slice(0, 60) };
      if (Date.now() > until) throw new Error(`no worker statement matching ${String(waiting)} within ${ms / 1000} s`);
      await sleep(20);
    }
  } finally {
    await trx.rollback().catch(() => undefined);
  }
}

async function mysqlKillRun(moment: Moment, name: string): Promise<ChaosOutcome> {
  const base = await getBaseline();
  const rig = await startRig(name);
  const problems: string[] = [];
  const notes: string[] = [];
  let recovery: number | null = null;
  let dataLost = 0;
  try {
    const driver = drive(rig, base.file);
    const readers = pollReaders(rig, base);
    const steps = (): string[] | undefined => driver.state.flow?.steps;
    let stepId: string;
    let hit: { killed: number; statement: string };
    if (moment === 'train') {
      stepId = await waitForStep(rig, steps, 'train', ['active']);
      // A fresh database has no model: locking the (empty) models index blocks the registration's insert.
      hit = await killWhileBlocked(rig, 'SELECT version FROM models FOR UPDATE', [], /^(insert into|update) `models`/i);
    } else {
      // score-all-users opens its run, adds its shards and parks; lock the run's row so the publish's status
      // update (when the job runs again after the shards) waits on it.
      stepId = await waitForStep(rig, steps, 'score-all-users', ['active', 'waiting-children']);
      let runId: number | null = null;
      for (const until = Date.now() + 120_000; runId === null && Date.now() < until; await sleep(20)) {
        const run = (await rig.db('score_runs').where({ kind: 'scores', status: 'running' }).max({ id: 'run_id' }).first()) as { id: number | null } | undefined;
        runId = run?.id ?? null;
      }
      if (runId === null) throw new Error('score-all-users opened no scoring run within 120 s');
      hit = await killWhileBlocked(rig, 'SELECT run_id FROM score_runs WHERE run_id = ? FOR UPDATE', [runId], /^update `score_runs`/i);
    }
    const firstKill = Date.now();
    const killed = hit.killed;
    const stepName = moment === 'train' ? 'train' : 'score-all-users';
    try {
      await rig.waitForJob(stepId, stepName, 180_000);
      recovery = (Date.now() - firstKill) / 1000;
    } catch (err) {
      problems.push(`${stepName}: ${err instanceof Error ? err.message : String(err)}`);
    }
    const outcome = await driver.result;
    const during = await readers.stop();
    if (!outcome.ok) problems.push(`pipeline: ${outcome.error}`);
    else {
      const verdict = await verifyRun(rig, base);
      dataLost = verdict.dataLost;
      problems.push(...verdict.problems);
    }
    problems.push(...readerProblems(during, 'readers during the run'));
    const attempts = (await rig.job(stepId, stepName))?.attemptsMade ?? 0;
    if (attempts < 2) problems.push(`${stepName} was not interrupted (${attempts} attempt)`);
    notes.push(`${killed} worker connections killed in "${hit.statement}…"; ${stepName} needed ${attempts} attempts, done ${secs(recovery)} after the kill; readers ${during.ok} ok / ${during.notFound} not yet published`);

    if (moment === 'publish' && outcome.ok) {
      // The API's read connections: 4 readers hammer the serving route while its connections are killed.
      const hammer = pollReaders(rig, base, 4, 10);
      await sleep(300);
      const apiKilled = await killFor(rig, 'api', 2_000, 10);
      const stoppedAt = Date.now();
      let back: number | null = null;
      while (Date.now() - stoppedAt < 10_000) {
        const res = await rig.http('GET', `/v1/users/${[...base.lists.keys()][0] ?? ''}/recommendations`, undefined, 3_000).catch(() => null);
        if (res?.status === 200) {
          back = (Date.now() - stoppedAt) / 1000;
          break;
        }
        await sleep(50);
      }
      const api = await hammer.stop();
      problems.push(...readerProblems(api, 'readers while API connections were killed'));
      if (back === null) problems.push('the API did not serve again within 10 s of the kills stopping');
      else if (back > 5) problems.push(`the API took ${secs(back)} to serve again (limit 5 s)`);
      notes.push(`API: ${apiKilled} read connections killed over 2 s; ${api.ok} correct lists, ${api.unavailable} clear 503s; serving ${secs(back)} after the kills stopped`);
    }
    return {
      pass: problems.length === 0,
      dataLost,
      recoverySeconds: recovery,
      detail: problems.length > 0 ? `${problems.join('; ')} (${notes.join('; ')}) [logs in ${rig.dir}]` : notes.join('; '),
    };
  } finally {
    await rig.teardown({ keepDir: problems.length > 0 });
  }
}

/** Worker connections killed while train registers its model, and while score-all-users publishes (then the API's). */
export const mysqlKillScenarios: ChaosScenario[] = (['train', 'publish'] as const).map((moment) => {
  const name = `mysql-kill-during-${moment}`;
  return {
    name,
    async setup() {
      await getBaseline();
    },
    run: () => mysqlKillRun(moment, name),
  };
});

/**
 * `npm run chaos`: runs the chaos scenarios (scripts/chaos/scenarios.ts) against real processes on this
 * machine, each several times, prints a table and writes REPORTS_DIR/chaos.json. Exit code 1 when any
 * scenario passed fewer runs than it ran or lost data; 2 on bad options.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../config';
import { parseCommandLine, usage, type CliSpec } from '../../config/cli';
import { scenarios as registry } from './scenarios';
import type { ChaosOutcome, ChaosRow, ChaosScenario } from './types';

/** The command line; the scenario names are added to the notes (see cliSpec). */
const CLI_BASE = {
  command: 'npm run chaos --',
  summary: 'Runs the chaos scenarios (faults, hostile input, load) against real processes, each several times; writes reports/chaos.json (REPORTS_DIR).',
  options: {
    quick: { type: 'boolean', description: 'only the scenarios marked quick, 1 run each (unless --runs is given)' },
    runs: { type: 'string', value: 'N', description: 'runs per scenario (default 5)' },
    only: { type: 'string', value: 'NAMES', description: 'only these scenarios (comma-separated names)' },
  },
} as const satisfies CliSpec;

function cliSpec(all: ChaosScenario[]): CliSpec<typeof CLI_BASE.options> {
  const names = all.map((s) => `  ${s.name}${s.quick ? ' (quick)' : ''}`).join('\n');
  return { ...CLI_BASE, notes: `exit code 1 when a scenario failed a run or lost data; 2 on bad options.\n\nscenarios:\n${names}` };
}

/** A report row plus how long the scenario took (setup, runs and teardown). */
export interface ChaosReportRow extends ChaosRow {
  seconds: number;
}

/** Longest a single run may take before the runner records it as failed and moves on. */
const RUN_LIMIT_MS = 15 * 60_000;

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2;
}

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

function withLimit<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
  });
  return Promise.race([p, limit]).finally(() => clearTimeout(timer));
}

/**
 * Runs one scenario: setup, `runs` runs, teardown. A run that throws counts as a failed pass with its message;
 * a failed setup fails every run. Never throws.
 */
export async function runScenario(s: ChaosScenario, runs: number, log: (line: string) => void = () => undefined): Promise<ChaosReportRow> {
  const t0 = Date.now();
  const outcomes: ChaosOutcome[] = [];
  let setupError: string | null = null;
  try {
    await s.setup?.();
  } catch (err) {
    setupError = `setup failed: ${message(err)}`;
    log(`  ${setupError}`);
  }
  for (let attempt = 1; attempt <= runs; attempt++) {
    if (setupError) {
      outcomes.push({ pass: false, dataLost: 0, recoverySeconds: null, detail: setupError });
      continue;
    }
    const started = Date.now();
    let o: ChaosOutcome;
    try {
      o = await withLimit(s.run(attempt), RUN_LIMIT_MS, `run ${attempt}`);
    } catch (err) {
      o = { pass: false, dataLost: 0, recoverySeconds: null, detail: `threw: ${message(err)}` };
    }
    outcomes.push(o);
    const rec = o.recoverySeconds === null ? '' : `, recovery ${o.recoverySeconds.toFixed(1)} s`;
    const lost = o.dataLost > 0 ? `, data lost ${o.dataLost}` : '';
    log(`  run ${attempt}/${runs}: ${o.pass ? 'pass' : 'FAIL'} in ${((Date.now() - started) / 1000).toFixed(1)} s${rec}${lost}${o.detail ? ` (${o.detail})` : ''}`);
  }
  let teardownError: string | null = null;
  try {
    await s.teardown?.();
  } catch (err) {
    teardownError = `teardown failed: ${message(err)}`;
    log(`  ${teardownError}`);
  }
  return {
    name: s.name,
    runs,
    passes: outcomes.filter((o) => o.pass).length,
    data_lost: outcomes.reduce((n, o) => n + o.dataLost, 0),
    recovery_seconds: median(outcomes.map((o) => o.recoverySeconds).filter((x): x is number => x !== null)),
    details: [
      ...outcomes.map((o, i) => `run ${i + 1}: ${o.pass ? 'pass' : 'fail'}${o.detail ? `: ${o.detail}` : ''}`),
      ...(teardownError ? [teardownError] : []),
    ],
    seconds: Math.round((Date.now() - t0) / 100) / 10,
  };
}

/** The table printed at the end. */
export function formatTable(rows: ChaosReportRow[]): string {
  const w = Math.max(8, ...rows.map((r) => r.name.length));
  const head = `${'scenario'.padEnd(w)} | passes | data lost | recovery s | seconds`;
  const lines = [head, '-'.repeat(head.length)];
  for (const r of rows) {
    const rec = r.recovery_seconds === null ? '-' : r.recovery_seconds.toFixed(1);
    lines.push(`${r.name.padEnd(w)} | ${`${r.passes}/${r.runs}`.padStart(6)} | ${String(r.data_lost).padStart(9)} | ${rec.padStart(10)} | ${r.seconds.toFixed(0).padStart(7)}`);
  }
  return lines.join('\n');
}

interface Options {
  runs: number;
  selected: ChaosScenario[];
  quick: boolean;
}

/** Parses the command line, or says what to print and which exit code to use instead of running. */
export function parseOptions(argv: string[], all: ChaosScenario[]): Options | { exit: number; text: string } {
  const spec = cliSpec(all);
  const parsed = parseCommandLine(spec, argv);
  if (!parsed.ok) return { exit: parsed.exitCode, text: parsed.text };
  const { values } = parsed;
  const refuse = (why: string) => ({ exit: 2, text: `${why}\n\n${usage(spec)}` });
  let runs = values.quick ? 1 : 5;
  if (values.runs !== undefined) {
    runs = Number(values.runs);
    if (!Number.isInteger(runs) || runs < 1) return refuse(`--runs must be a positive integer, not "${values.runs}"`);
  }
  let selected = values.quick ? all.filter((s) => s.quick) : all;
  if (values.only !== undefined) {
    const wanted = values.only.split(',').map((x) => x.trim()).filter(Boolean);
    const unknown = wanted.filter((n) => !all.some((s) => s.name === n));
    if (wanted.length === 0 || unknown.length > 0) return refuse(`unknown scenario ${unknown.join(', ') || '(none given)'}`);
    selected = selected.filter((s) => wanted.includes(s.name));
  }
  if (selected.length === 0) return refuse('no scenario selected');
  return { runs, selected, quick: values.quick };
}

async function main(): Promise<number> {
  const opts = parseOptions(process.argv.slice(2), registry);
  if ('exit' in opts) {
    (opts.exit === 0 ? process.stdout : process.stderr).write(`${opts.text}\n`);
    return opts.exit;
  }
  const t0 = Date.now();
  const elapsed = (): string => `${Math.round((Date.now() - t0) / 1000)} s`;
  const rows: ChaosReportRow[] = [];
  for (const [i, s] of opts.selected.entries()) {
    const runs = Math.min(opts.runs, s.maxRuns ?? opts.runs);
    process.stdout.write(`[${elapsed()}] scenario ${i + 1}/${opts.selected.length}: ${s.name} × ${runs}\n`);
    const row = await runScenario(s, runs, (line) => process.stdout.write(`[${elapsed()}] ${line}\n`));
    rows.push(row);
    process.stdout.write(`[${elapsed()}] ${s.name}: ${row.passes}/${row.runs} passed in ${row.seconds} s\n`);
  }
  const seconds = Math.round((Date.now() - t0) / 1000);
  process.stdout.write(`\n${formatTable(rows)}\n\ntotal ${seconds} s\n`);
  const dir = loadConfig().REPORTS_DIR;
  await mkdir(dir, { recursive: true });
  const file = join(dir, 'chaos.json');
  await writeFile(file, `${JSON.stringify({ at: new Date().toISOString(), seconds, runs: opts.runs, quick: opts.quick, scenarios: rows }, null, 2)}\n`);
  process.stdout.write(`wrote ${file}\n`);
  return rows.some((r) => r.passes < r.runs || r.data_lost > 0) ? 1 : 0;
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`chaos failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}

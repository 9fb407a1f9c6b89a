/**
 * The contract between `npm run chaos` (scripts/chaos/index.ts) and its scenarios. Each scenario is run
 * `runs` times (at least 5 in the full run); the runner prints a table and writes reports/chaos.json with one
 * row per scenario: { name, runs, passes, data_lost, recovery_seconds }.
 */
export interface ChaosOutcome {
  /** the run met every promise the scenario checks */
  pass: boolean;
  /** events, rows or jobs lost (or duplicated) by this run; 0 when nothing was lost */
  dataLost: number;
  /** seconds from the fault to the system working again (null when the scenario measures none) */
  recoverySeconds: number | null;
  /** one line on what went wrong (or what was measured) */
  detail?: string;
}

export interface ChaosScenario {
  name: string;
  /** runs in the quick subset (`npm run chaos -- --quick`, and the jest smoke test) */
  quick?: boolean;
  /**
   * at most this many runs whatever `--runs` says: for a scenario that is long by definition (the 10-minute read
   * soak), where repeating it adds time, not evidence
   */
  maxRuns?: number;
  /** prepares shared state once (a baseline run, a server); optional */
  setup?(): Promise<void>;
  run(attempt: number): Promise<ChaosOutcome>;
  teardown?(): Promise<void>;
}

/** One row of reports/chaos.json. */
export interface ChaosRow {
  name: string;
  runs: number;
  passes: number;
  data_lost: number;
  /** median over the runs that measured one; null when none did */
  recovery_seconds: number | null;
  details: string[];
}

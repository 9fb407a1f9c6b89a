import fc from 'fast-check';

/** One property run: how many cases it generated, and the first failure (shrunk) if any. */
export interface PropertyReport {
  name: string;
  seed: number;
  /** generated cases that ran (shrinking steps not included) */
  cases: number;
  shrinks: number;
  failed: boolean;
  /** the (shrunk) counterexample and what broke, when failed */
  failure: string | null;
  ms: number;
}

/**
 * Runs a property outside jest (the chaos run): `numRuns` cases from `seed`, shrinking a failure for at most
 * `timeLimitMs` overall. Never throws; the report says what happened.
 */
export async function runProperty<T>(name: string, property: fc.IAsyncPropertyWithHooks<[T]>, opts: { numRuns: number; seed: number; timeLimitMs: number }): Promise<PropertyReport> {
  const started = Date.now();
  const details = await fc.check(property, { numRuns: opts.numRuns, seed: opts.seed, interruptAfterTimeLimit: opts.timeLimitMs, markInterruptAsFailure: false });
  const failure = details.failed
    ? `seed ${details.seed}: ${(details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance)).slice(0, 4000)}`
    : null;
  return { name, seed: opts.seed, cases: details.numRuns, shrinks: details.numShrinks, failed: details.failed, failure, ms: Date.now() - started };
}

/** Throws an Error listing `failures` (what fast-check reports as the counterexample's cause) when any. */
export function expectNone(failures: string[], context: () => string): void {
  if (failures.length > 0) throw new Error(`${failures.join('; ')}\n  case: ${context()}`);
}

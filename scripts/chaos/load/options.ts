/** Settings of the load scenarios, read from the environment of `npm run chaos` (not of the processes under test). */

/** A positive number from `name`, or `fallback` when unset or empty; throws on anything else. */
export function envNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const v = Number(raw);
  if (!Number.isFinite(v) || v <= 0) throw new Error(`${name} must be a positive number, not "${raw}"`);
  return v;
}

/** Rounds for a detail line: 1 decimal under 100, whole numbers above. */
export const fmt = (x: number): string => (Number.isNaN(x) ? 'n/a' : Math.abs(x) < 100 ? x.toFixed(1) : x.toFixed(0));

export const message = (err: unknown): string => (err instanceof Error ? err.message : String(err));

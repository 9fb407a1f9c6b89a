/**
 * Writes a deterministic synthetic shop (generic layout) and its items file:
 *   npm run generate -- --users N --items M --days D --seed S [--malformed-rate R] [--events MAX]
 *                       [--sessions-per-user-day F] [--out FILE(.csv|.csv.gz|.ndjson|.ndjson.gz)]
 * or one shop shape (scripts/lib/generator-shapes.ts), with the preset that ingests it in the summary:
 *   npm run generate -- --shape grocery|catalogue|clickstream|sessions|tiny [--scale F] [--seed S] [--out FILE]
 * Prints a JSON summary (files, event count, malformed lines by the reason ingest will give).
 */
import { generateFiles, generateShapeFile, shapeFile } from './lib/generator-files';
import { isShapeName, SHAPE_NAMES } from './lib/generator-shapes';

function parse(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const v = argv[i + 1];
    if (v === undefined) throw new Error(`${a} needs a value`);
    out[a.slice(2)] = v;
    i++;
  }
  return out;
}

function num(args: Record<string, string>, key: string, def: number): number {
  const v = args[key];
  if (v === undefined) return def;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new Error(`--${key} must be a non-negative number`);
  return n;
}

async function main(): Promise<void> {
  const args = parse(process.argv.slice(2));
  const started = Date.now();
  if (args.shape !== undefined) {
    const name = args.shape;
    if (!isShapeName(name)) throw new Error(`--shape must be one of ${SHAPE_NAMES.join(', ')}`);
    const scale = num(args, 'scale', 1);
    if (!(scale > 0)) throw new Error('--scale must be above 0');
    const summary = await generateShapeFile(name, { seed: Math.floor(num(args, 'seed', 1)), scale }, args.out ?? shapeFile(name));
    process.stdout.write(`${JSON.stringify({ ...summary, seconds: (Date.now() - started) / 1000 })}\n`);
    return;
  }
  const summary = await generateFiles(
    {
      users: Math.max(1, Math.floor(num(args, 'users', 10000))),
      items: Math.max(1, Math.floor(num(args, 'items', 2000))),
      days: Math.max(1, Math.floor(num(args, 'days', 30))),
      seed: Math.floor(num(args, 'seed', 1)),
      malformedRate: Math.min(1, num(args, 'malformed-rate', 0)),
      maxEvents: args.events === undefined ? undefined : Math.floor(num(args, 'events', 0)),
      sessionsPerUserDay: args['sessions-per-user-day'] === undefined ? undefined : num(args, 'sessions-per-user-day', 0.05),
    },
    args.out ?? 'var/synthetic/events.csv.gz',
  );
  process.stdout.write(`${JSON.stringify({ ...summary, seconds: (Date.now() - started) / 1000 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`generate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

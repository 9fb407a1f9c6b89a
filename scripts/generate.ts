/**
/**
 * Writes a deterministic synthetic shop (generic layout) and its items file, or one shop shape
 * (scripts/lib/generator-shapes.ts) with the preset that ingests it: `npm run generate -- [options]` (`--help`
 * lists them). Prints a JSON summary (files, event count, malformed lines by the reason ingest will give).
 */
import { exitWithUsage, parseCli, type CliSpec } from '../config/cli';
import { generateFiles, generateShapeFile, shapeFile } from './lib/generator-files';
import { isShapeName, SHAPE_NAMES } from './lib/generator-shapes';

const CLI = {
  command: 'npm run generate --',
  summary: 'Writes a deterministic synthetic shop (events in the generic layout, and its items file) and prints a JSON summary.',
  options: {
    users: { type: 'string', value: 'N', default: '10000', description: 'customers' },
    items: { type: 'string', value: 'M', default: '2000', description: 'catalogue items' },
    days: { type: 'string', value: 'D', default: '30', description: 'days of history' },
    seed: { type: 'string', value: 'S', default: '1', description: 'random seed (same seed, same files)' },
    'malformed-rate': { type: 'string', value: 'R', default: '0', description: 'share of lines made malformed on purpose (0 to 1)' },
    events: { type: 'string', value: 'MAX', description: 'stop after this many events' },
    'sessions-per-user-day': { type: 'string', value: 'F', description: 'mean sessions per customer per day (default 0.05)' },
    out: { type: 'string', value: 'FILE', description: 'events file: .csv, .csv.gz, .ndjson or .ndjson.gz (default var/synthetic/events.csv.gz, or the shape\'s file)' },
    shape: { type: 'string', value: 'NAME', description: `one shop shape instead of the options above: ${SHAPE_NAMES.join(', ')}` },
    scale: { type: 'string', value: 'F', default: '1', description: 'with --shape: its size relative to the preset' },
  },
} as const satisfies CliSpec;

/** A given option as a non-negative number; the usage and exit code 2 otherwise. */
function num(value: string, key: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n < 0) exitWithUsage(CLI, `--${key} must be a non-negative number, not "${value}"`);
  return n;
}

async function main(): Promise<void> {
  const { values: args } = parseCli(CLI);
  const started = Date.now();
  if (args.shape !== undefined) {
    const name = args.shape;
    if (!isShapeName(name)) exitWithUsage(CLI, `--shape must be one of ${SHAPE_NAMES.join(', ')}, not "${name}"`);
    const scale = num(args.scale, 'scale');
    if (!(scale > 0)) exitWithUsage(CLI, '--scale must be above 0');
    const summary = await generateShapeFile(name, { seed: Math.floor(num(args.seed, 'seed')), scale }, args.out ?? shapeFile(name));
    process.stdout.write(`${JSON.stringify({ ...summary, seconds: (Date.now() - started) / 1000 })}\n`);
    return;
  }
  const summary = await generateFiles(
    {
      users: Math.max(1, Math.floor(num(args.users, 'users'))),
      items: Math.max(1, Math.floor(num(args.items, 'items'))),
      days: Math.max(1, Math.floor(num(args.days, 'days'))),
      seed: Math.floor(num(args.seed, 'seed')),
      malformedRate: Math.min(1, num(args['malformed-rate'], 'malformed-rate')),
      maxEvents: args.events === undefined ? undefined : Math.floor(num(args.events, 'events')),
      sessionsPerUserDay: args['sessions-per-user-day'] === undefined ? undefined : num(args['sessions-per-user-day'], 'sessions-per-user-day'),
    },
    args.out ?? 'var/synthetic/events.csv.gz',
  );
  process.stdout.write(`${JSON.stringify({ ...summary, seconds: (Date.now() - started) / 1000 })}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`generate failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});

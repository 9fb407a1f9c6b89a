/**
 * Ingest one file from the command line (ops): `npm run ingest -- FILE [options]` (`--help` lists them).
 * Migrates the database first, shows a progress bar with rows/s, prints the batch summary (JSON on the last line).
 * Exit codes: 0 done, 2 the input cannot be ingested (bad mapping, unknown column, unreadable file) or a bad option, 1 other errors.
 */
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config';
import { exitWithUsage, parseCli, type CliSpec } from '../config/cli';
import { createDb } from '../db/knex';
import { setupDatabase } from '../db/setup';
import { IngestInputError, runIngest, type IngestOptionsInput } from '../ingest';

const CLI = {
  command: 'npm run ingest --',
  summary: 'Ingests one file (CSV or NDJSON, optionally gzip) into MySQL with a progress bar; the last line printed is the batch summary as JSON.',
  positionals: [{ name: 'FILE', description: 'the file to ingest (any path you can read: the CLI runs with your rights)', required: true }],
  options: {
    mapping: { type: 'string', value: 'NAME|JSON', description: 'a preset (generic, uci-online-retail) or a mapping object as JSON (default: generic)' },
    entity: { type: 'string', value: 'events|items|users', description: 'what the file holds (default: events)' },
    format: { type: 'string', value: 'csv|ndjson', description: 'override the format detected from the name and first byte' },
    delimiter: { type: 'string', value: 'D', description: "CSV delimiter: one character or tab (detected from the header otherwise)" },
    'resume-key': { type: 'string', value: 'KEY', description: 'resume the batch started with this key after a crash' },
    quiet: { type: 'boolean', description: 'no progress and no summary table, only the JSON line' },
  },
  notes: 'exit codes: 0 done; 2 the input cannot be ingested (bad mapping, unknown column, unreadable file) or a bad option; 1 other errors',
} as const satisfies CliSpec;

interface Args {
  /** the operator's own file: the CLI runs with the shell user's rights, so any path they can read is theirs to ingest */
  file: string;
  payload: IngestOptionsInput;
  resumeKey?: string;
  quiet: boolean;
}

function parseArgs(argv: string[]): Args {
  const { values, positionals } = parseCli(CLI, argv);
  const { entity, format, delimiter } = values;
  let mapping: unknown = values.mapping;
  if (values.mapping?.trim().startsWith('{')) {
    try {
      mapping = JSON.parse(values.mapping);
    } catch {
      exitWithUsage(CLI, '--mapping: not valid JSON');
    }
  }
  // Given options only: the payload schema applies its own defaults and names a bad value.
  const payload = Object.fromEntries(Object.entries({ mapping, entity, format, delimiter }).filter(([, v]) => v !== undefined)) as IngestOptionsInput;
  return { file: positionals[0] as string, payload, resumeKey: values['resume-key'], quiet: values.quiet };
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const config = loadConfig();
  await setupDatabase(config.MYSQL_URL, config.MYSQL_READONLY_URL);
  const db = createDb(config.MYSQL_URL, 2);
  const bar = new SingleBar(
    { format: 'ingest [{bar}] {percentage}% | {read} rows | {accepted} ok | {rejected} rejected | {rate} rows/s', hideCursor: true, noTTYOutput: false },
    Presets.shades_classic,
  );
  const tty = !args.quiet && process.stderr.isTTY;
  if (tty) bar.start(100, 0, { read: 0, accepted: 0, rejected: 0, rate: 0 });
  try {
    const result = await runIngest(
      {
        db,
        config,
        log: args.quiet || tty ? undefined : (m) => process.stderr.write(`${m}\n`),
        resumeKey: args.resumeKey,
        onProgress: (p) => {
          const payload = { read: p.rowsRead, accepted: p.rowsAccepted, rejected: p.rowsRejected, rate: p.rowsPerSecond };
          if (tty) bar.update(Math.floor(p.percent ?? 0), payload);
          else if (!args.quiet) process.stderr.write(`${p.percent === null ? '' : `${p.percent.toFixed(0)}% `}${p.rowsRead} rows, ${p.rowsRejected} rejected, ${p.rowsPerSecond} rows/s\n`);
        },
      },
      args.file,
      args.payload,
    );
    if (tty) bar.stop();
    const rate = Math.round(result.rowsRead / Math.max(0.001, result.durationMs / 1000));
    if (!args.quiet) {
      process.stdout.write(
        `batch ${result.batchId}: ${result.rowsRead} read, ${result.rowsAccepted} accepted, ${result.rowsRejected} rejected, ` +
          `${result.rowsDuplicate} duplicate, ${(result.durationMs / 1000).toFixed(1)} s (${rate} rows/s)\n`,
      );
      for (const [reason, n] of Object.entries(result.rejectsByReason).sort((x, y) => y[1] - x[1])) process.stdout.write(`  ${reason}: ${n}\n`);
      if (result.rejectReport) process.stdout.write(`reject report: ${result.rejectReport}\n`);
    }
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    if (tty) bar.stop();
    await db.destroy();
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`ingest failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = err instanceof IngestInputError ? 2 : 1;
});

/**
 * Ingest one file from the command line (ops):
 *   npm run ingest -- FILE [--mapping uci-online-retail] [--entity events|items|users] [--format csv|ndjson]
 *                       [--delimiter ,|;|tab|'|'] [--resume-key KEY] [--quiet]
 * Migrates the database first, shows a progress bar with rows/s, prints the batch summary (JSON on the last line).
 * Exit codes: 0 done, 2 the input cannot be ingested (bad mapping, unknown column, unreadable file), 1 other errors.
 */
import { SingleBar, Presets } from 'cli-progress';
import { loadConfig } from '../config';
import { createDb } from '../db/knex';
import { setupDatabase } from '../db/setup';
import { IngestInputError, runIngest, type IngestOptionsInput } from '../jobs/ingest';

interface Args {
  /** the operator's own file: the CLI runs with the shell user's rights, so any path they can read is theirs to ingest */
  file: string;
  payload: IngestOptionsInput;
  resumeKey?: string;
  quiet: boolean;
}

function parseArgs(argv: string[]): Args {
  const payload: Record<string, string> = {};
  let file: string | undefined;
  let resumeKey: string | undefined;
  let quiet = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new IngestInputError(`${a} needs a value`);
      return v;
    };
    if (a === '--mapping') payload.mapping = value();
    else if (a === '--entity') payload.entity = value();
    else if (a === '--format') payload.format = value();
    else if (a === '--delimiter') payload.delimiter = value();
    else if (a === '--resume-key') resumeKey = value();
    else if (a === '--quiet') quiet = true;
    else if (a.startsWith('--')) throw new IngestInputError(`unknown option ${a}`);
    else if (file === undefined) file = a;
    else throw new IngestInputError(`unexpected argument ${a}`);
  }
  if (file === undefined) throw new IngestInputError('usage: ingest FILE [--mapping NAME] [--entity events|items|users] [--format csv|ndjson] [--delimiter D]');
  return { file, payload, resumeKey, quiet };
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

/**
 * Bench runner: `npm run bench` runs every registered bench, `npm run bench -- NAME [NAME…]` only those.
 * Each prints a table of its figures and writes them to REPORTS_DIR/bench-NAME.json. Add a bench by
 * appending it to BENCHES.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadConfig } from '../../config';
import { exitWithUsage, parseCli, type CliSpec } from '../../config/cli';
import { artefactBench } from './artefact';
import { catalogueBench } from './catalogue';
import { kernelBench } from './kernel';
import { panelBench } from './panel';
import { ingestBench } from './ingest';
import { scaleBench } from './scale';
import { writesBench } from './writes';
import { servingBench } from './serving';
import type { Bench } from './types';

export type { Bench } from './types';

/** Every bench `npm run bench` knows. */
export const BENCHES: Bench[] = [ingestBench, catalogueBench, servingBench, artefactBench, kernelBench, scaleBench, writesBench, panelBench];

function table(name: string, figures: Record<string, number | string>): string {
  const rows = Object.entries(figures).map(([k, v]) => [k, typeof v === 'number' ? (Number.isInteger(v) ? String(v) : v.toFixed(3)) : v]);
  const w = Math.max(6, ...rows.map(([k]) => (k as string).length));
  const lines = [`bench ${name}`, `${'figure'.padEnd(w)} | value`, `${'-'.repeat(w)}-+-${'-'.repeat(12)}`];
  for (const [k, v] of rows) lines.push(`${(k as string).padEnd(w)} | ${v as string}`);
  return lines.join('\n');
}

const CLI = {
  command: 'npm run bench --',
  summary: 'Runs the benches (all, or those named), prints a table of figures for each and writes REPORTS_DIR/bench-NAME.json.',
  positionals: [{ name: 'NAME', description: 'a bench to run (default: every one)', many: true }],
  options: {
    scale: { type: 'string', value: 'F', description: 'artefact: the catalogue shape\'s scale (default 2: 100,000 items); scale: the share of 1,000,000 customers / 100,000 items (default 0.02)' },
    'keep-db': { type: 'boolean', description: 'scale: keep the rig\'s database afterwards (its name is printed), to profile or inspect it' },
    speedup: { type: 'boolean', description: 'scale: score again with one and two worker processes above 100,000 customers too' },
  },
  notes: `benches:\n${BENCHES.map((b) => `  ${b.name.padEnd(12)}${b.description}`).join('\n')}`,
} satisfies CliSpec;

async function main(): Promise<void> {
  const wanted = parseCli(CLI).positionals;
  const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
  if (unknown.length > 0) exitWithUsage(CLI, `unknown bench ${unknown.join(', ')}`);
  const run = wanted.length === 0 ? BENCHES : BENCHES.filter((b) => wanted.includes(b.name));
  const dir = loadConfig().REPORTS_DIR;
  await mkdir(dir, { recursive: true });
  for (const bench of run) {
    process.stderr.write(`running bench ${bench.name}: ${bench.description}\n`);
    const figures = await bench.run();
    process.stdout.write(`${table(bench.name, figures)}\n\n`);
    const file = join(dir, `bench-${bench.name}.json`);
    await writeFile(file, `${JSON.stringify({ bench: bench.name, at: new Date().toISOString(), ...figures }, null, 2)}\n`);
    process.stdout.write(`wrote ${file}\n`);
  }
}

if (require.main === module) {
  main().catch((err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exitCode = 1;
  });
}

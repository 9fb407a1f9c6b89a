import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

/**
 * Every command-line entry as shipped (compiled by `npm run build`, which `npm test` runs first) answers --help
 * with its usage (exit 0) and refuses an unknown option with the usage (exit 2), before touching any service.
 */
const ROOT = path.resolve(__dirname, '../..');
const ENTRIES: [file: string, usageLine: string][] = [
  ['dist/scripts/ingest-cli.js', 'usage: npm run ingest -- FILE [options]'],
  ['dist/scripts/generate.js', 'usage: npm run generate -- [options]'],
  ['dist/scripts/eval.js', 'usage: npm run eval -- [options]'],
  ['dist/scripts/bench/index.js', 'usage: npm run bench -- [NAME…] [options]'],
  ['dist/scripts/chaos/index.js', 'usage: npm run chaos -- [options]'],
  ['dist/scripts/demo.js', 'usage: npm run demo -- [options]'],
  ['dist/workers/main.js', 'usage: node dist/workers/main.js [options]'],
  ['dist/api/main.js', 'usage: node dist/api/main.js [options]'],
];

async function run(file: string, args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  // Services that do not exist: an entry that tried to reach one before parsing its options would fail differently.
  const env = { ...process.env, MYSQL_URL: 'mysql://nobody@127.0.0.1:1/none', REDIS_URL: 'redis://127.0.0.1:1' };
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [path.join(ROOT, file), ...args], { env, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
  }
}

describe('command-line entries (compiled)', () => {
  it.each(ENTRIES)('%s answers --help with its usage and refuses --bogus with it', async (file, usageLine) => {
    const help = await run(file, ['--help']);
    expect(help).toMatchObject({ code: 0, stderr: '' });
    expect(help.stdout.split('\n')[0]).toBe(usageLine);
    expect(help.stdout).toMatch(/^ {2}-h, --help +show this text and exit$/m);
    const bogus = await run(file, ['--bogus']);
    expect(bogus).toMatchObject({ code: 2, stdout: '' });
    expect(bogus.stderr.startsWith(`unknown option --bogus\n\n${usageLine}\n`)).toBe(true);
  });
});

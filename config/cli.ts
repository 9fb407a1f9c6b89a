import { parseArgs } from 'node:util';

/**
 * The one command-line parser of every entry point (scripts, the worker, the API): node:util's parseArgs over a
 * declared spec, so each command answers --help with its usage, and refuses an unknown option, a missing value or
 * a stray argument with the usage and exit code 2. Lives in config/ because every layer may import it.
 */

export interface CliOption {
  type: 'string' | 'boolean';
  description: string;
  short?: string;
  /** a string option's default, shown in the usage */
  default?: string;
  /** the value's name in the usage (`--runs N`); VALUE when not given */
  value?: string;
}

export interface CliPositional {
  name: string;
  description: string;
  required?: boolean;
  /** takes any number of values (only the last positional) */
  many?: boolean;
}

export interface CliSpec<O extends Record<string, CliOption> = Record<string, CliOption>> {
  /** how it is run, for the usage line: `npm run ingest --` */
  command: string;
  /** what it does, in a sentence or two */
  summary: string;
  options: O;
  positionals?: readonly CliPositional[];
  /** after the options: exit codes, environment, examples */
  notes?: string;
}

type ValueOf<T extends CliOption> = T['type'] extends 'boolean' ? boolean : T extends { default: string } ? string : string | undefined;
export type CliValues<O extends Record<string, CliOption>> = { -readonly [K in keyof O]: ValueOf<O[K]> };
export interface CliArgs<O extends Record<string, CliOption>> {
  values: CliValues<O>;
  positionals: string[];
}
/** A parse: the arguments, or the text to print and the exit code (0 for --help, 2 for a usage error). */
export type CliParse<O extends Record<string, CliOption>> = ({ ok: true } & CliArgs<O>) | { ok: false; exitCode: 0 | 2; text: string };

const HELP: CliOption = { type: 'boolean', short: 'h', description: 'show this text and exit' };

/** The usage text of a spec. */
export function usage(spec: CliSpec): string {
  const positionals = spec.positionals ?? [];
  const shape = positionals.map((p) => {
    const name = p.many ? `${p.name}…` : p.name;
    return p.required ? name : `[${name}]`;
  });
  const lines = [`usage: ${[spec.command, ...shape, '[options]'].join(' ')}`, '', spec.summary];
  const rows = (items: [string, string][]): string[] => {
    const width = Math.max(...items.map(([left]) => left.length)) + 2;
    return items.map(([left, right]) => `  ${left.padEnd(width)}${right}`);
  };
  if (positionals.length > 0) lines.push('', 'arguments:', ...rows(positionals.map((p) => [p.name, p.description])));
  const options = Object.entries({ ...spec.options, help: HELP }).map(([name, o]): [string, string] => {
    const flag = `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` ${o.value ?? 'VALUE'}` : ''}`;
    return [flag, `${o.description}${o.default !== undefined ? ` (default: ${o.default})` : ''}`];
  });
  lines.push('', 'options:', ...rows(options));
  if (spec.notes) lines.push('', spec.notes);
  return lines.join('\n');
}

/** parseArgs' error as one short line ("unknown option --x", "--runs needs a value", …). */
function problem(err: unknown): string {
  const e = err as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(e.message ?? '')?.[1] ?? '';
  switch (e.code ?? '') {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return `unknown option ${quoted}`;
    case 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL':
      return `unexpected argument ${quoted}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE': {
      const flag = /--[\w-]+/.exec(quoted)?.[0] ?? quoted;
      if (/argument missing/.test(e.message ?? '')) return `${flag} needs a value`;
      if (/does not take an argument/.test(e.message ?? '')) return `${flag} takes no value`;
      return e.message ?? String(err);
    }
    default:
      return e.message ?? String(err);
  }
}

/** Parses `argv` against `spec` without printing or exiting (see parseCli for the usual entry). */
export function parseCommandLine<O extends Record<string, CliOption>>(spec: CliSpec<O>, argv: readonly string[]): CliParse<O> {
  const options = Object.fromEntries(
    Object.entries({ ...spec.options, help: HELP }).map(([name, o]) => [name, { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.default !== undefined ? { default: o.default } : {}) }]),
  );
  const positionals = spec.positionals ?? [];
  const fail = (message: string): CliParse<O> => ({ ok: false, exitCode: 2, text: `${message}\n\n${usage(spec)}` });
  // --help wins over anything else on the line (before a `--` terminator): asking how is never an error.
  const end = argv.indexOf('--');
  if ((end < 0 ? argv : argv.slice(0, end)).some((a) => a === '--help' || a === '-h')) return { ok: false, exitCode: 0, text: usage(spec) };
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: [...argv], options, strict: true, allowPositionals: positionals.length > 0 });
  } catch (err) {
    return fail(problem(err));
  }
  const given = parsed.positionals;
  const many = positionals[positionals.length - 1]?.many === true;
  if (!many && given.length > positionals.length) return fail(`unexpected argument ${given[positionals.length] ?? ''}`);
  const missing = positionals.slice(given.length).find((p) => p.required);
  if (missing) return fail(`missing ${missing.name}`);
  const values: Record<string, string | boolean | undefined> = {};
  for (const [name, o] of Object.entries(spec.options)) {
    const v = parsed.values[name];
    values[name] = o.type === 'boolean' ? v === true : typeof v === 'string' ? v : undefined;
  }
  return { ok: true, values: values as CliValues<O>, positionals: given };
}

/** Prints `text` and exits: to stdout with 0 (help), to stderr otherwise. */
function exitWith(exitCode: number, text: string): never {
  (exitCode === 0 ? process.stdout : process.stderr).write(`${text}\n`);
  process.exit(exitCode);
}

/** The command's arguments; on --help prints the usage and exits 0, on a usage error prints it with the usage and exits 2. */
export function parseCli<O extends Record<string, CliOption>>(spec: CliSpec<O>, argv: readonly string[] = process.argv.slice(2)): CliArgs<O> {
  const parsed = parseCommandLine(spec, argv);
  if (!parsed.ok) exitWith(parsed.exitCode, parsed.text);
  return { values: parsed.values, positionals: parsed.positionals };
}

/** For a value the command refuses after parsing (`--k` not a number): the message and the usage, exit code 2. */
export function exitWithUsage(spec: CliSpec, message: string): never {
  exitWith(2, `${message}\n\n${usage(spec)}`);
}

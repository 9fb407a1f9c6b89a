import { parseCommandLine, usage, type CliSpec } from '../../../config/cli';

const spec = {
  command: 'npm run thing --',
  summary: 'Does the thing.',
  positionals: [{ name: 'FILE', description: 'the input', required: true }],
  options: {
    mapping: { type: 'string', value: 'NAME', description: 'how to read it', default: 'generic' },
    'resume-key': { type: 'string', value: 'KEY', description: 'resume a batch' },
    quiet: { type: 'boolean', short: 'q', description: 'no progress' },
  },
  notes: 'exit codes: 0 done, 2 bad input',
} as const satisfies CliSpec;

describe('command-line parsing (config/cli.ts)', () => {
  it('parses options, defaults, flags and positionals, typed as declared', () => {
    const parsed = parseCommandLine(spec, ['in.csv', '--resume-key=abc', '-q']);
    expect(parsed).toEqual({ ok: true, values: { mapping: 'generic', 'resume-key': 'abc', quiet: true }, positionals: ['in.csv'] });
    const plain = parseCommandLine(spec, ['--mapping', 'uci-online-retail', 'in.csv']);
    expect(plain).toEqual({ ok: true, values: { mapping: 'uci-online-retail', 'resume-key': undefined, quiet: false }, positionals: ['in.csv'] });
  });

  it('answers --help (and -h) with the usage and exit code 0, before checking anything else', () => {
    for (const argv of [['--help'], ['-h'], ['--bogus', 'a', 'b', '--help']]) expect(parseCommandLine(spec, argv)).toEqual({ ok: false, exitCode: 0, text: usage(spec) });
    expect(parseCommandLine(spec, ['--', '--help'])).toMatchObject({ ok: true, positionals: ['--help'] });
  });

  it('refuses an unknown option, a missing value, a stray or missing argument with the usage and exit code 2', () => {
    const cases: [string[], string][] = [
      [['in.csv', '--bogus'], 'unknown option --bogus'],
      [['in.csv', '-x'], 'unknown option -x'],
      [['in.csv', '--mapping'], '--mapping needs a value'],
      [['in.csv', 'other.csv'], 'unexpected argument other.csv'],
      [[], 'missing FILE'],
      [['in.csv', '--quiet=yes'], '--quiet takes no value'],
    ];
    for (const [argv, message] of cases) {
      const parsed = parseCommandLine(spec, argv);
      expect(parsed).toEqual({ ok: false, exitCode: 2, text: `${message}\n\n${usage(spec)}` });
    }
  });

  it('refuses any positional for a command that takes none, and takes many for a variadic one', () => {
    const none = parseCommandLine({ command: 'x', summary: 's', options: {} }, ['stray']);
    expect(none).toMatchObject({ ok: false, exitCode: 2, text: expect.stringMatching(/^unexpected argument stray\n/) });
    const many = parseCommandLine({ command: 'x', summary: 's', options: {}, positionals: [{ name: 'NAME', description: 'n', many: true }] }, ['a', 'b', 'c']);
    expect(many).toEqual({ ok: true, values: {}, positionals: ['a', 'b', 'c'] });
  });

  it('writes a usage that lists the arguments, every option with its value name and default, --help, and the notes', () => {
    expect(usage(spec).split('\n')).toEqual([
      'usage: npm run thing -- FILE [options]',
      '',
      'Does the thing.',
      '',
      'arguments:',
      '  FILE  the input',
      '',
      'options:',
      '  --mapping NAME    how to read it (default: generic)',
      '  --resume-key KEY  resume a batch',
      '  -q, --quiet       no progress',
      '  -h, --help        show this text and exit',
      '',
      'exit codes: 0 done, 2 bad input',
    ]);
  });
});

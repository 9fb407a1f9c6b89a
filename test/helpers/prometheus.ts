/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(?:,|$)/;
const SUFFIXES = ['_bucket', '_sum', '_count', '_total', '_created'];

/**
 * Parses the text format (version 0.0.4) strictly enough to catch what Prometheus refuses: a family's HELP or
 * TYPE given twice, a family's samples not together, a sample without a TYPE, malformed labels or values.
 */
export function parseExposition(text: string): Sample[] {
  const types = new Map<string, string>();
  const helps = new Set<string>();
  const finished = new Set<string>();
  let current = '';
  const samples: Sample[] = [];
  const enter = (family: string): void => {
    if (family === current) return;
    if (finished.has(family)) throw new Error(`family ${family} appears in two places`);
    if (current) finished.add(current);
    current = family;
  };
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const meta = /^# (HELP|TYPE) (\S+)(?: (.*))?$/.exec(line);
    if (meta) {
      const [, kind, family = ''] = meta;
      enter(family);
      if (kind === 'TYPE') {
        if (types.has(family)) throw new Error(`second TYPE for ${family}`);
        types.set(family, meta[3] ?? '');
      } else {
        if (helps.has(family)) throw new Error(`second HELP for ${family}`);
        helps.add(family);
      }
      continue;
    }
    if (line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`malformed sample: ${line}`);
    const [, name = '', labelText = '', valueText = ''] = m;
    const family = types.has(name) ? name : (SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : '')).find((f) => f && types.has(f)) ?? '');
    if (!family) throw new Error(`sample ${name} has no TYPE`);
    enter(family);
    const labels: Record<string, string> = {};
    let rest = labelText;
    while (rest.length > 0) {
      const l = LABEL.exec(rest);
      if (!l) throw new Error(`malformed labels: ${labelText}`);
      labels[l[1] ?? ''] = (l[2] ?? '').replace(/\\n/g, '\n').replace(/\\"/g, '"').replace(/\\\\/g, '\\');
      rest = rest.slice(l[0].length);
    }
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    if (Number.isNaN(value) && valueText !== 'NaN') throw new Error(`malformed value: ${line}`);
    samples.push({ name, labels, value });
  }
  return samples;
}

/** The samples named `name` whose labels include `labels`. */
export function series(samples: Sample[], name: string, labels: Record<string, string> = {}): Sample[] {
  return samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
}

/** The value of the one sample named `name` with `labels`; throws when there is none or several. */
export function valueOf(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  const found = series(samples, name, labels);
  if (found.length !== 1) throw new Error(`${found.length} samples of ${name} ${JSON.stringify(labels)}`);
  return found[0]?.value ?? NaN;
}

import type { Redis } from 'ioredis';

/** A Prometheus histogram's name, help, label names and bucket bounds (seconds, ascending). */
export interface HistogramSpec {
  name: string;
  help: string;
  labelNames: readonly string[];
  buckets: readonly number[];
}

interface Pending {
  /** per bucket (not cumulative), the last one for +Inf */
  counts: number[];
  sum: number;
}

/** Hash fields: `<label values as JSON>\t<bucket index | sum>`. JSON never holds a raw tab, so the split is safe. */
const field = (labels: string, part: number | 'sum'): string => `${labels}\t${part}`;

/** The Redis hash that holds a histogram's counts for one deployment (queue prefix). */
export const histogramKey = (prefix: string, spec: HistogramSpec): string => `${prefix}:metrics:${spec.name}`;

/**
 * A histogram whose counts live in Redis, added to by every process that observes (each API process, each
 * worker) and read by whichever API process Prometheus scrapes. PM2 runs the API in cluster mode behind one
 * port, so per-process counters would answer each scrape from a random process; Redis counters are the whole
 * deployment's, survive process restarts, and cost one MULTI per flush rather than one per observation.
 */
export class SharedHistogram {
  private pending = new Map<string, Pending>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;

  constructor(
    private readonly redis: Redis,
    readonly key: string,
    readonly spec: HistogramSpec,
    /** observations reach Redis at most this long after they are made (0: at once) */
    private readonly flushEveryMs = 5_000,
  ) {}

  /** Counts one observation in this process; it reaches Redis with the next flush. */
  observe(labels: Readonly<Record<string, string>>, value: number): void {
    const key = JSON.stringify(this.spec.labelNames.map((n) => labels[n] ?? ''));
    let p = this.pending.get(key);
    if (!p) {
      p = { counts: new Array<number>(this.spec.buckets.length + 1).fill(0), sum: 0 };
      this.pending.set(key, p);
    }
    let i = 0;
    while (i < this.spec.buckets.length && value > (this.spec.buckets[i] ?? Infinity)) i++;
    p.counts[i] = (p.counts[i] ?? 0) + 1;
    p.sum += value;
    this.schedule();
  }

  /** A flush at once (flushEveryMs 0) or one timer while something is pending: none when idle, nothing to stop. */
  private schedule(): void {
    if (this.flushEveryMs === 0) this.flush().catch(() => undefined);
    else if (!this.timer) {
      this.timer = setTimeout(() => {
        this.timer = null;
        this.flush().catch(() => undefined);
      }, this.flushEveryMs);
      this.timer.unref(); // never holds the process open
    }
  }

  /**
   * Adds this process's pending counts to Redis in one transaction (a scrape never sees buckets without their
   * sum). While Redis is unreachable the counts stay pending and go with the flush after the next observation.
   */
  flush(): Promise<void> {
    this.flushing ??= this.send().then(() => {
      this.flushing = null;
      // Observed while this flush ran: sent by the next one (after a failure, only when something new is observed).
      if (this.pending.size > 0) this.schedule();
    }, (err: unknown) => {
      this.flushing = null;
      throw err;
    });
    return this.flushing;
  }

  private async send(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const multi = this.redis.multi();
    for (const [labels, p] of batch) {
      p.counts.forEach((n, i) => {
        if (n > 0) multi.hincrby(this.key, field(labels, i), n);
      });
      multi.hincrbyfloat(this.key, field(labels, 'sum'), p.sum);
    }
    try {
      await multi.exec();
    } catch (err) {
      // Not sent: merge back into what was observed meanwhile, to go with the next flush.
      for (const [labels, p] of batch) {
        const now = this.pending.get(labels);
        if (!now) this.pending.set(labels, p);
        else {
          p.counts.forEach((n, i) => (now.counts[i] = (now.counts[i] ?? 0) + n));
          now.sum += p.sum;
        }
      }
      throw err;
    }
  }
}

/** A label value as the exposition format writes it. */
export const escapeLabel = (v: string): string => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');

const labelText = (names: readonly string[], values: readonly string[], extra = ''): string => {
  const parts = names.map((n, i) => `${n}="${escapeLabel(values[i] ?? '')}"`);
  if (extra) parts.push(extra);
  return parts.length > 0 ? `{${parts.join(',')}}` : '';
};

/** A bucket bound as Prometheus writes it (`le="0.005"`, `le="+Inf"`). */
const bound = (b: number): string => (Number.isFinite(b) ? String(b) : '+Inf');

/** The histogram as Prometheus text (HELP, TYPE, cumulative buckets, sum, count per label set), from its Redis hash. */
export async function readHistogram(redis: Redis, key: string, spec: HistogramSpec): Promise<string> {
  const raw = await redis.hgetall(key);
  const sets = new Map<string, { counts: number[]; sum: number }>();
  for (const [f, v] of Object.entries(raw)) {
    const tab = f.lastIndexOf('\t');
    if (tab < 0) continue;
    const labels = f.slice(0, tab);
    const part = f.slice(tab + 1);
    let s = sets.get(labels);
    if (!s) {
      s = { counts: new Array<number>(spec.buckets.length + 1).fill(0), sum: 0 };
      sets.set(labels, s);
    }
    if (part === 'sum') s.sum = Number(v);
    else {
      const i = Number(part);
      if (Number.isInteger(i) && i >= 0 && i <= spec.buckets.length) s.counts[i] = Number(v);
    }
  }
  const lines = [`# HELP ${spec.name} ${spec.help}`, `# TYPE ${spec.name} histogram`];
  for (const [labels, s] of [...sets].sort(([a], [b]) => a.localeCompare(b))) {
    let values: string[];
    try {
      values = JSON.parse(labels) as string[];
    } catch {
      continue;
    }
    let cumulative = 0;
    [...spec.buckets, Infinity].forEach((b, i) => {
      cumulative += s.counts[i] ?? 0;
      lines.push(`${spec.name}_bucket${labelText(spec.labelNames, values, `le="${bound(b)}"`)} ${cumulative}`);
    });
    lines.push(`${spec.name}_sum${labelText(spec.labelNames, values)} ${s.sum}`);
    lines.push(`${spec.name}_count${labelText(spec.labelNames, values)} ${cumulative}`);
  }
  return `${lines.join('\n')}\n`;
}

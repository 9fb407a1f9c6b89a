import { readdirSync, readFileSync } from 'node:fs';

/** One process seen by the sampler: its peak RSS (VmHWM) and when it was first and last seen. */
export interface SampledProcess {
  pid: number;
  /** the root process it descends from (a worker), and whether it is that root itself */
  root: number;
  isRoot: boolean;
  firstSeen: number;
  lastSeen: number;
  peakRssMb: number;
}

/** ppid of every process now running (Linux /proc). */
function parents(): Map<number, number> {
  const out = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      // Field 4 after the ")" that closes the command name (which may hold spaces or parentheses).
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      out.set(Number(name), ppid);
    } catch {
      // exited between readdir and read
    }
  }
  return out;
}

/** Peak resident set (VmHWM) of a process in MB, or null when it is gone. */
function peakRssMb(pid: number): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/**
 * Samples the peak RSS of some root processes (worker processes) and all their descendants (sandbox children)
 * from /proc every `everyMs`. A process's VmHWM is its lifetime peak, so a sample shortly before it exits
 * catches its peak even between samples.
 */
export class ProcSampler {
  readonly seen = new Map<number, SampledProcess>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly roots: () => number[], private readonly everyMs = 500) {}

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.everyMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  sample(): void {
    const now = Date.now();
    const ppid = parents();
    const roots = new Set(this.roots());
    for (const pid of ppid.keys()) {
      let p: number | undefined = pid;
      let hops = 0;
      while (p !== undefined && p > 1 && !roots.has(p) && hops++ < 16) p = ppid.get(p);
      if (p === undefined || !roots.has(p)) continue;
      const rss = peakRssMb(pid);
      if (rss === null) continue;
      const known = this.seen.get(pid);
      if (known) {
        known.lastSeen = now;
        known.peakRssMb = Math.max(known.peakRssMb, rss);
      } else {
        this.seen.set(pid, { pid, root: p, isRoot: pid === p, firstSeen: now, lastSeen: now, peakRssMb: rss });
      }
    }
  }
}

/**
 * Memory of a running process as the kernel reports it (resident set size from /proc/<pid>/status), sampled on
 * an interval, and the least-squares slope that says whether it grows.
 */
import { readFile } from 'node:fs/promises';

/** One sample: seconds since sampling started, RSS in MB. */
export interface RssSample {
  t: number;
  mb: number;
}

/** The process's resident set size in MB (VmRSS), or null when it is gone or /proc has no such line. */
export async function rssMb(pid: number): Promise<number | null> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

/** Samples a process's RSS every `everyMs` until stop(), which resolves to the samples. */
export function sampleRss(pid: number, everyMs: number): { stop(): Promise<RssSample[]> } {
  const samples: RssSample[] = [];
  const t0 = Date.now();
  let pending: Promise<void> = Promise.resolve();
  const take = (): void => {
    pending = rssMb(pid).then((mb) => {
      if (mb !== null) samples.push({ t: (Date.now() - t0) / 1000, mb });
    });
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    async stop() {
      clearInterval(timer);
      await pending;
      take();
      await pending;
      return samples;
    },
  };
}

/** Least-squares slope of y over x (units of y per unit of x); NaN with fewer than two distinct x. */
export function slope(points: { x: number; y: number }[]): number {
  const n = points.length;
  if (n < 2) return Number.NaN;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  let sxy = 0;
  let sxx = 0;
  for (const p of points) {
    sxy += (p.x - mx) * (p.y - my);
    sxx += (p.x - mx) ** 2;
  }
  return sxx === 0 ? Number.NaN : sxy / sxx;
}

/** The RSS slope in MB per minute over the samples taken at or after `fromSeconds`. */
export function rssSlopePerMinute(samples: RssSample[], fromSeconds: number): number {
  return slope(samples.filter((s) => s.t >= fromSeconds).map((s) => ({ x: s.t / 60, y: s.mb })));
}

/**
 * CPU use over a phase, from /proc: how much of one core a process used, and how busy the whole machine was.
 * Latency figures from a shared 2-core machine mean little without them (a p99 can be someone else's test).
 */
import { readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';

/** Clock ticks per second of /proc's CPU times (USER_HZ: 100 on Linux). */
const TICKS = 100;

async function processTicks(pid: number): Promise<number | null> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command (which may hold spaces, inside parentheses): utime is the 14th, stime the 15th.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return Number(rest[11]) + Number(rest[12]);
  } catch {
    return null;
  }
}

/** The CPU time (user + system, all threads) a process has used so far, in seconds; NaN when it is gone. */
export async function processCpuSeconds(pid: number): Promise<number> {
  const ticks = await processTicks(pid);
  return ticks === null ? Number.NaN : ticks / TICKS;
}

async function machineTicks(): Promise<{ busy: number; total: number } | null> {
  try {
    const line = (await readFile('/proc/stat', 'utf8')).split('\n')[0] ?? '';
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const total = v.reduce((s, x) => s + x, 0);
    const idle = (v[3] ?? 0) + (v[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** CPU use between start() and the stop() of the returned handle. */
export interface CpuUse {
  /** the process's CPU time per wall second, in % of one core */
  processPct: number;
  /** the machine's non-idle share, % of all cores */
  machinePct: number;
  /** the 1-minute load average at the end */
  load1: number;
}

/** Starts measuring `pid`'s and the machine's CPU use. */
export async function measureCpu(pid: number): Promise<{ stop(): Promise<CpuUse> }> {
  const t0 = Date.now();
  const p0 = await processTicks(pid);
  const m0 = await machineTicks();
  return {
    async stop() {
      const seconds = (Date.now() - t0) / 1000;
      const p1 = await processTicks(pid);
      const m1 = await machineTicks();
      return {
        processPct: p0 === null || p1 === null || seconds <= 0 ? Number.NaN : (100 * (p1 - p0)) / TICKS / seconds,
        machinePct: m0 === null || m1 === null || m1.total === m0.total ? Number.NaN : (100 * (m1.busy - m0.busy)) / (m1.total - m0.total),
        load1: loadavg()[0] ?? Number.NaN,
      };
    },
  };
}

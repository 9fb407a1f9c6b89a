import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { ParseOutcome, ParseSpec } from './ingest-check';

// Under jest the sources are TypeScript: the worker compiles them with SWC as it requires them.
const TS_BOOTSTRAP = `
const fs = require('node:fs');
const { transformSync } = require('@swc/core');
require.extensions['.ts'] = (module, filename) => {
  const { code } = transformSync(fs.readFileSync(filename, 'utf8'), { filename, jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'commonjs' } });
  module._compile(code, filename);
};
require(require('node:worker_threads').workerData.entry);
`;

function spawn(maxOldMb: number): Worker {
  const js = join(__dirname, 'parse-worker.js');
  const resourceLimits = { maxOldGenerationSizeMb: maxOldMb };
  if (existsSync(js)) return new Worker(js, { resourceLimits });
  return new Worker(TS_BOOTSTRAP, { eval: true, workerData: { entry: join(__dirname, 'parse-worker.ts') }, resourceLimits });
}

/**
 * Runs parser checks in a worker thread with a heap cap, one at a time: a case that does not answer within its
 * budget is a hang (the worker is terminated and replaced), one that blows the heap is a crash. Close it when done.
 */
export class ParsePool {
  private worker: Worker | null = null;
  private seq = 0;

  constructor(private readonly maxOldMb = 512) {}

  /** Checks one file; never throws. */
  async check(spec: ParseSpec, timeoutMs: number): Promise<ParseOutcome> {
    const worker = (this.worker ??= spawn(this.maxOldMb));
    const id = ++this.seq;
    const started = Date.now();
    const blank = (kind: 'timeout' | 'crash', message: string): ParseOutcome => ({
      kind,
      message,
      format: null,
      lines: 0,
      recordLines: [],
      records: 0,
      accepted: 0,
      rejected: 0,
      byReason: {},
      maxDetail: 0,
      problems: [],
      ms: Date.now() - started,
    });
    return new Promise<ParseOutcome>((resolve) => {
      const done = (o: ParseOutcome, kill: boolean): void => {
        clearTimeout(timer);
        worker.off('message', onMessage);
        worker.off('error', onError);
        worker.off('exit', onExit);
        if (kill) {
          this.worker = null;
          void worker.terminate();
        }
        resolve(o);
      };
      const onMessage = (m: { id: number; outcome: ParseOutcome }): void => {
        if (m.id === id) done(m.outcome, false);
      };
      const onError = (err: Error): void => done(blank('crash', `${err.name}: ${err.message}`), true);
      const onExit = (code: number): void => done(blank('crash', `worker exited with code ${code}`), true);
      const timer = setTimeout(() => done(blank('timeout', `no answer after ${timeoutMs} ms`), true), timeoutMs);
      worker.on('message', onMessage);
      worker.once('error', onError);
      worker.once('exit', onExit);
      worker.postMessage({ id, spec });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = null;
    if (w) await w.terminate();
  }
}

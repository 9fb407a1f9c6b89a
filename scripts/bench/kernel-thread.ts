/**
 * One thread of the kernel bench's threaded run (kernel.ts): scores users [lo, hi) of the shared user matrix
 * against the shared item matrix with the `tf` engine, batch by batch, once the main thread says go (so that
 * every thread's backend is up before the clock starts), and posts its seconds and first batch's lists.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { selectBackend } from '../../ml/backend';
import { DotTopK } from '../../ml/dot-topk';

interface Input {
  users: SharedArrayBuffer;
  items: SharedArrayBuffer;
  lo: number;
  hi: number;
  nItems: number;
  dim: number;
  batch: number;
  k: number;
}

async function main(): Promise<void> {
  const inp = workerData as Input;
  const port = parentPort!;
  await selectBackend('wasm');
  const u = new Float32Array(inp.users);
  const kernel = new DotTopK(new Float32Array(inp.items), inp.nItems, inp.dim, 'tf');
  await new Promise<void>((go) => {
    port.once('message', () => go());
    port.postMessage({ ready: true });
  });
  let first: Int32Array | null = null;
  const t0 = performance.now();
  for (let lo = inp.lo; lo < inp.hi; lo += inp.batch) {
    const n = Math.min(inp.batch, inp.hi - lo);
    const top = kernel.topK(u.subarray(lo * inp.dim, (lo + n) * inp.dim), n, inp.k);
    first ??= top.items;
  }
  const seconds = (performance.now() - t0) / 1000;
  kernel.dispose();
  port.postMessage({ seconds, first });
}

void main();

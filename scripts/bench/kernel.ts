/**
 * `npm run bench -- kernel`: the dense dot-product top-K kernel (ml/dot-topk.ts) against NumPy on the same shapes
 * in the same run (issue 10: `U @ I.T` per batch plus `argpartition`, 100,000 users × 20,000 items, d = 64). Both
 * read the same random float32 matrices (written to a temporary folder for the NumPy child), score them in batches
 * of the same size and keep each user's top K; pairs per second = users × items / seconds. NumPy is an outside
 * reference run as a `python3` child, never part of the product. The plain-JS engine is much slower, so it is
 * timed on a fixed subset of users (the rate is per pair, so the subset's rate is the whole run's).
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { Worker } from 'node:worker_threads';
import { join, resolve } from 'node:path';
import { selectBackend } from '../../ml/backend';
import { DotTopK, TOPK_TILE, type DotEngine, type TopKRows } from '../../ml/dot-topk';
import { mulberry32 } from '../../ml/random';
import type { Bench } from './types';

const ITEMS = 20_000;
const DIM = 64;
const BATCH = 1024;
const K = 20;
/** Users whose top-K lists are compared between the kernel and NumPy. */
const SAMPLE = 100;
/** Users the plain-JS engine is timed on (a whole number of batches). */
const JS_USERS = 10 * BATCH;

/** What the NumPy child prints (numpy-topk.py). */
interface NumpyFigures {
  seconds: number; matmul_seconds: number; argpartition_seconds: number; pairs_per_second: number;
  numpy: string; blas: string; blas_threads: string; sample_top: number[][];
}

function numpyRun(usersFile: string, itemsFile: string, users: number): Promise<NumpyFigures> {
  // From dist/scripts/bench/ back to the source file (python is not compiled).
  const script = resolve(__dirname, '../../../scripts/bench/numpy-topk.py');
  const args = [script, usersFile, itemsFile, String(users), String(ITEMS), String(DIM), String(BATCH), String(K), String(SAMPLE)];
  return new Promise((ok, fail) => {
    execFile('python3', args, { maxBuffer: 1 << 22 }, (err, stdout, stderr) => {
      if (err) return fail(new Error(`NumPy reference failed (python3 with numpy needed): ${stderr || err.message}`));
      ok(JSON.parse(stdout.trim().split('\n').pop() ?? '') as NumpyFigures);
    });
  });
}

/**
 * Times one engine over the first `users` users, batch by batch through `DotTopK.topK` (which scores a batch
 * a tile of users at a time); returns its seconds and the first batch's lists.
 */
function timeKernel(engine: DotEngine, u: Float32Array, items: Float32Array, users: number): { seconds: number; first: TopKRows } {
  const kernel = new DotTopK(items, ITEMS, DIM, engine);
  let seconds = 0;
  let first: TopKRows | null = null;
  try {
    for (let lo = 0; lo < users; lo += BATCH) {
      const n = Math.min(BATCH, users - lo);
      const t0 = performance.now();
      const top = kernel.topK(u.subarray(lo * DIM, (lo + n) * DIM), n, K);
      seconds += (performance.now() - t0) / 1000;
      first ??= top;
    }
  } finally {
    kernel.dispose();
  }
  if (!first) throw new Error('no users timed');
  return { seconds, first };
}

/**
 * The `tf` engine on `threads` worker threads at once, each on its own contiguous share of the users (NumPy's
 * OpenBLAS uses every core, so this is the like-for-like figure): wall seconds from the moment every thread's
 * backend is up until the last one ends, and the first thread's first batch of lists.
 */
async function timeThreads(u: Float32Array, items: Float32Array, users: number, threads: number): Promise<{ seconds: number; first: Int32Array }> {
  const share = (buf: Float32Array): SharedArrayBuffer => {
    const sab = new SharedArrayBuffer(buf.byteLength);
    new Float32Array(sab).set(buf);
    return sab;
  };
  const usersBuf = share(u);
  const itemsBuf = share(items);
  const batches = Math.ceil(users / BATCH);
  const workers = Array.from({ length: threads }, (_, t) => {
    const lo = Math.floor((batches * t) / threads) * BATCH;
    const hi = Math.min(users, Math.floor((batches * (t + 1)) / threads) * BATCH);
    return new Worker(resolve(__dirname, 'kernel-thread.js'), { workerData: { users: usersBuf, items: itemsBuf, lo, hi, nItems: ITEMS, dim: DIM, batch: BATCH, k: K } });
  });
  try {
    const message = (w: Worker): Promise<Record<string, unknown>> => new Promise((ok, fail) => {
      w.once('message', ok);
      w.once('error', fail);
    });
    await Promise.all(workers.map(message));
    const t0 = performance.now();
    const done = workers.map(message);
    for (const w of workers) w.postMessage('go');
    const results = await Promise.all(done);
    return { seconds: (performance.now() - t0) / 1000, first: results[0]!.first as Int32Array };
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
}

/** Share of the sample's top-K places where both lists hold the same item (`ordered`), and of shared items (sets). */
function agreement(a: TopKRows, b: number[][]): { ordered: number; sets: number } {
  let same = 0;
  let shared = 0;
  for (let r = 0; r < b.length; r++) {
    const mine = Array.from(a.items.subarray(r * K, (r + 1) * K));
    const theirs = b[r]!;
    const set = new Set(theirs);
    mine.forEach((item, p) => {
      if (item === theirs[p]) same++;
      if (set.has(item)) shared++;
    });
  }
  const places = Math.max(1, b.length * K);
  return { ordered: same / places, sets: shared / places };
}

const round = (x: number, d: number): number => Math.round(x * 10 ** d) / 10 ** d;

/** Runs the comparison: the kernel (tfjs on wasm, and plain JS) against NumPy, on `users` random user vectors. */
export async function kernelFigures(users = Number(process.env.KERNEL_USERS ?? 100_000)): Promise<Record<string, number | string>> {
  if (!(Number.isInteger(users) && users >= BATCH)) throw new Error(`KERNEL_USERS must be an integer ≥ ${BATCH}, not ${users}`);
  await selectBackend('wasm');
  const rand = mulberry32(17);
  const u = Float32Array.from({ length: users * DIM }, () => rand() * 2 - 1);
  const items = Float32Array.from({ length: ITEMS * DIM }, () => rand() * 2 - 1);
  const dir = await mkdtemp(join(tmpdir(), 'shopintent-kernel-'));
  try {
    const uFile = join(dir, 'users.f32');
    const iFile = join(dir, 'items.f32');
    await writeFile(uFile, new Uint8Array(u.buffer));
    await writeFile(iFile, new Uint8Array(items.buffer));
    const load = loadavg()[0]!;
    process.stderr.write(`kernel: ${users} × ${ITEMS}, d = ${DIM}, batches of ${BATCH}, top ${K} (load average ${load.toFixed(1)}) …\n`);
    const tf = timeKernel('tf', u, items, users);
    const threads = Math.max(1, Math.min(availableParallelism(), Math.ceil(users / BATCH)));
    const threaded = await timeThreads(u, items, users, threads);
    const js = timeKernel('js', u, items, Math.min(users, JS_USERS));
    const np = await numpyRun(uFile, iFile, users);
    const pairs = users * ITEMS;
    const tfPps = pairs / tf.seconds;
    const threadedPps = pairs / threaded.seconds;
    const jsPps = Math.min(users, JS_USERS) * ITEMS / js.seconds;
    const vsNumpy = agreement(tf.first, np.sample_top);
    const vsThreads = agreement({ users: SAMPLE, k: K, items: threaded.first, scores: new Float32Array(0) }, Array.from({ length: SAMPLE }, (_, r) => Array.from(tf.first.items.subarray(r * K, (r + 1) * K))));
    const vsJs = agreement(tf.first, Array.from({ length: SAMPLE }, (_, r) => Array.from(js.first.items.subarray(r * K, (r + 1) * K))));
    // Float32 sums in another order can swap two nearly equal scores, not change which items are on top.
    if (vsNumpy.sets < 0.99 || vsJs.sets < 0.99 || vsThreads.sets < 0.99) {
      throw new Error(`top-K lists disagree: kernel vs NumPy ${vsNumpy.sets}, tf vs js engine ${vsJs.sets}, threaded vs one thread ${vsThreads.sets} of items shared`);
    }
    return {
      kernel_users: users, kernel_items: ITEMS, kernel_dim: DIM, kernel_batch: BATCH, kernel_k: K,
      kernel_engine: `tf: tfjs wasm backend matMul (XNNPACK SIMD) + ml/dot-topk rowTopK in tiles of ${TOPK_TILE} users, on ${threads} worker thread${threads === 1 ? '' : 's'} (NumPy: its BLAS threads)`,
      kernel_threads: threads, kernel_pairs_per_second: round(threadedPps, 0), kernel_threaded_seconds: round(threaded.seconds, 2),
      kernel_pairs_per_second_1_thread: round(tfPps, 0), kernel_seconds: round(tf.seconds, 2),
      js_engine_pairs_per_second: round(jsPps, 0), js_engine_users_timed: Math.min(users, JS_USERS),
      numpy_pairs_per_second: round(np.pairs_per_second, 0), numpy_seconds: round(np.seconds, 2),
      numpy_matmul_seconds: round(np.matmul_seconds, 2), numpy_argpartition_seconds: round(np.argpartition_seconds, 2),
      numpy_version: np.numpy, numpy_blas: np.blas, numpy_blas_threads: np.blas_threads,
      kernel_vs_numpy: round(threadedPps / np.pairs_per_second, 3), kernel_1_thread_vs_numpy: round(tfPps / np.pairs_per_second, 3),
      topk_sample_users: SAMPLE, topk_same_items_vs_numpy: round(vsNumpy.sets, 4), topk_same_order_vs_numpy: round(vsNumpy.ordered, 4),
      topk_same_items_tf_vs_js: round(vsJs.sets, 4),
      kernel_load_average: round(load, 2),
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export const kernelBench: Bench = {
  name: 'kernel',
  description: `dense dot-product top-K (ml/dot-topk.ts) vs NumPy U @ I.T + argpartition, 100,000 × ${ITEMS.toLocaleString('en')}, d = ${DIM} (KERNEL_USERS=N to change the users)`,
  run: () => kernelFigures(),
};

import { ML_BACKENDS, type MlBackendName } from '../../../config/schema';
import { backendAttempts, selectBackend } from '../../../ml/backend';
import { trainEmbeddings } from '../../../ml/embedding';
import { predictMlp, trainMlp } from '../../../ml/mlp';
import { mulberry32 } from '../../../ml/random';
import { sandboxKind } from '../../../workers/pool';

/**
 * The same training steps and scoring through every backend this machine has (cpu and wasm here; tensorflow and
 * tensorflow-gpu where their packages and devices are), compared with the pure-JS `cpu` reference. Float32 sums
 * in a different order drift a little over training: the stated tolerance is 1e-3 absolute on logits and weights.
 */
const TOLERANCE = 1e-3;

function data(rows: number, d: number): { x: Float32Array; y: Float32Array } {
  const rand = mulberry32(5);
  const x = new Float32Array(rows * d).map(() => rand() * 2 - 1);
  const y = new Float32Array(rows).map((_, r) => (x[r * d]! + 0.5 * x[r * d + 1]! > 0 ? 1 : 0));
  return { x, y };
}

async function run(backend: MlBackendName): Promise<{ logits: Float32Array; users: Float32Array }> {
  await selectBackend(backend);
  const { x, y } = data(300, 6);
  const mlp = await trainMlp(x, y, 300, 6, { hidden: [8], epochs: 3, batchSize: 64, learningRate: 0.01, seed: 3 });
  const logits = predictMlp(mlp, x, 300);
  const u = Int32Array.from({ length: 200 }, (_, i) => i % 20);
  const it = Int32Array.from({ length: 200 }, (_, i) => (i * 7) % 15);
  const emb = await trainEmbeddings(u, it, 20, 15, { dim: 4, epochs: 2, batchSize: 32, learningRate: 0.05, negatives: 2, seed: 2 });
  return { logits, users: emb.users };
}

const maxDiff = (a: Float32Array, b: Float32Array): number => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);

describe('every backend present trains and scores like the reference', () => {
  it('matches cpu within the tolerance on an MLP training run, its scoring, and embedding training', async () => {
    const reference = await run('cpu');
    const present: MlBackendName[] = [];
    for (const name of ML_BACKENDS.filter((b) => b !== 'cpu')) {
      try {
        await selectBackend(name);
      } catch {
        continue; // not on this machine (its cause is covered below)
      }
      present.push(name);
      const got = await run(name);
      expect({ name, logits: maxDiff(got.logits, reference.logits) <= TOLERANCE, embeddings: maxDiff(got.users, reference.users) <= TOLERANCE })
        .toEqual({ name, logits: true, embeddings: true });
    }
    expect(present).toContain('wasm'); // always installed: the fast path without native TensorFlow
  }, 60_000);

  it('names the cause when an explicit backend cannot start, and says what auto tried', async () => {
    const absent = ML_BACKENDS.filter((b) => b === 'tensorflow-gpu' || b === 'tensorflow');
    for (const name of absent) {
      const started = await selectBackend(name).then(() => true, (err: Error) => {
        expect(err.message).toMatch(new RegExp(`ML backend ${name} could not be initialised: ${name}: .+`));
        return false;
      });
      if (started) expect(backendAttempts()).toEqual([{ name, ok: true }]);
    }
    const chosen = await selectBackend('auto');
    const tried = backendAttempts();
    expect(tried.at(-1)).toEqual({ name: chosen, ok: true });
    for (const t of tried.slice(0, -1)) expect(t.reason).toMatch(/\w/);
  }, 30_000);
});

describe('sandboxKind', () => {
  it('runs native TensorFlow in child processes, everything else in threads, unless told', () => {
    const none = (): boolean => false;
    const installed = (): boolean => true;
    expect(sandboxKind({ WORKER_SANDBOX_KIND: 'auto', ML_BACKEND: 'wasm' }, installed)).toBe('thread');
    expect(sandboxKind({ WORKER_SANDBOX_KIND: 'auto', ML_BACKEND: 'tensorflow-gpu' }, none)).toBe('process');
    expect(sandboxKind({ WORKER_SANDBOX_KIND: 'auto', ML_BACKEND: 'auto' }, installed)).toBe('process');
    expect(sandboxKind({ WORKER_SANDBOX_KIND: 'auto', ML_BACKEND: 'auto' }, none)).toBe('thread');
    expect(sandboxKind({ WORKER_SANDBOX_KIND: 'thread', ML_BACKEND: 'tensorflow' }, installed)).toBe('thread');
  });
});

import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ML_BACKENDS, NATIVE_TF_PACKAGES, type MlBackendName } from '../config/schema';

/** What the native backend object tells about itself (tfjs-node's NodeJSKernelBackend). */
interface NativeBackend {
  isGPUPackage?: boolean;
  isUsingGpuDevice?: boolean;
}

/** One backend tried by {@link selectBackend}, and why it was not taken. */
export interface BackendAttempt {
  name: MlBackendName;
  ok: boolean;
  reason?: string;
}

let lastAttempts: BackendAttempt[] = [];

const message = (err: unknown): string => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.slice(0, 300);

/** Initialises one backend; resolves to null when it runs, else to why not. */
async function tryBackend(name: MlBackendName): Promise<string | null> {
  const pkg = name === 'tensorflow-gpu' || name === 'tensorflow' ? NATIVE_TF_PACKAGES[name] : undefined;
  try {
    // Both native packages register under the tfjs name 'tensorflow'; the package decides CPU or GPU.
    if (pkg) await import(pkg);
  } catch (err) {
    return `${pkg ?? name} is not installed or does not load: ${message(err)}`;
  }
  const tfName = pkg ? 'tensorflow' : name;
  if (!tf.engine().registryFactory[tfName]) return `no tfjs backend "${tfName}" is registered`;
  try {
    if (!(await tf.setBackend(tfName))) return `tfjs could not start the "${tfName}" backend`;
    await tf.ready();
  } catch (err) {
    return `the "${tfName}" backend failed to start: ${message(err)}`;
  }
  if (tf.getBackend() !== tfName) return `tfjs runs "${tf.getBackend()}" instead`;
  if (name === 'tensorflow-gpu') {
    // The GPU package loads (and runs on the CPU) without CUDA: only a GPU device in use counts as tensorflow-gpu.
    const native = tf.backend() as NativeBackend;
    if (native.isGPUPackage !== true) return 'the native backend that loaded is the CPU package (@tensorflow/tfjs-node)';
    if (native.isUsingGpuDevice !== true) {
      return 'tfjs-node-gpu loaded but TensorFlow uses no GPU device (CUDA 11.2 and cuDNN 8.1 libraries on LD_LIBRARY_PATH? CUDA_VISIBLE_DEVICES?)';
    }
  }
  return null;
}

/**
 * Chooses the tfjs backend: `auto` tries tensorflow-gpu, tensorflow, wasm, then cpu and returns the first that
 * really runs (tensorflow-gpu only with a GPU device in use); an explicit name must run or this throws with the
 * cause. {@link backendAttempts} tells what was tried. Safe to call in a worker thread (each has its own tfjs);
 * the native backends, though, belong in child processes (see workers/pool.ts).
 */
export async function selectBackend(pref: 'auto' | MlBackendName): Promise<MlBackendName> {
  const order: readonly MlBackendName[] = pref === 'auto' ? ML_BACKENDS : [pref];
  lastAttempts = [];
  for (const name of order) {
    const reason = await tryBackend(name);
    lastAttempts.push(reason === null ? { name, ok: true } : { name, ok: false, reason });
    if (reason === null) return name;
  }
  throw new Error(`ML backend ${pref} could not be initialised: ${lastAttempts.map((a) => `${a.name}: ${a.reason ?? 'ok'}`).join('; ')}`);
}

/** The backends the last {@link selectBackend} tried, in order, with why each one that failed did not run. */
export function backendAttempts(): readonly BackendAttempt[] {
  return lastAttempts;
}

/** The backend tfjs is running on now, in our naming. */
export function activeBackend(): string {
  return tf.getBackend();
}

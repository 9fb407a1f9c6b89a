import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { ML_BACKENDS, type MlBackendName } from '../config/schema';

/** Native packages that register the `tensorflow` backend when loaded (absent on most machines: the import fails). */
const NATIVE_PACKAGE: Partial<Record<MlBackendName, string>> = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
};

async function tryBackend(name: MlBackendName): Promise<boolean> {
  try {
    const pkg = NATIVE_PACKAGE[name];
    // Both native packages register under the tfjs name 'tensorflow'; the package decides CPU or GPU.
    if (pkg) await import(pkg);
    const tfName = pkg ? 'tensorflow' : name;
    if (!tf.engine().registryFactory[tfName]) return false;
    const ok = await tf.setBackend(tfName);
    if (!ok) return false;
    await tf.ready();
    return tf.getBackend() === tfName;
  } catch {
    // A missing optional package or a failed native load only means "try the next one".
    return false;
  }
}

/**
 * Chooses the tfjs backend: `auto` tries tensorflow-gpu, tensorflow, wasm, then cpu and returns the first that
 * initialises; an explicit name must work or this throws. Safe to call in a worker thread (each thread has its own tfjs).
 */
export async function selectBackend(pref: 'auto' | MlBackendName): Promise<MlBackendName> {
  const order: readonly MlBackendName[] = pref === 'auto' ? ML_BACKENDS : [pref];
  for (const name of order) {
    if (await tryBackend(name)) return name;
  }
  throw new Error(`ML backend ${pref} could not be initialised (tried ${order.join(', ')})`);
}

/** The backend tfjs is running on now, in our naming. */
export function activeBackend(): string {
  return tf.getBackend();
}

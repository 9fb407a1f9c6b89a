import { workerData } from 'node:worker_threads';
import { getConfig, type Config } from '../config';

/** Key under which the pool hands its validated config to sandbox threads (workerData). */
export const CONFIG_KEY = 'shopintentConfig';

/** The config a sandbox thread runs with: its pool's, else (a thread started some other way) the environment's. */
export function sandboxConfig(): Readonly<Config> {
  const data = workerData as Record<string, unknown> | null;
  const passed = data?.[CONFIG_KEY] as Readonly<Config> | undefined;
  return passed ?? getConfig();
}

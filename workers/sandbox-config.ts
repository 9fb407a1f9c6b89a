import { workerData } from 'node:worker_threads';
import { getConfig, type Config } from '../config';

/** Key under which the pool hands its validated config to sandbox threads (workerData). */
export const CONFIG_KEY = 'shopintentConfig';
/** Environment variable under which the pool hands it to sandbox child processes (JSON). */
export const CONFIG_ENV = 'SHOPINTENT_SANDBOX_CONFIG';

/** The config a sandbox runs with: its pool's (thread or child process), else (started some other way) the environment's. */
export function sandboxConfig(): Readonly<Config> {
  const data = workerData as Record<string, unknown> | null;
  const passed = data?.[CONFIG_KEY] as Readonly<Config> | undefined;
  if (passed) return passed;
  const json = process.env[CONFIG_ENV];
  return json ? (JSON.parse(json) as Readonly<Config>) : getConfig();
}

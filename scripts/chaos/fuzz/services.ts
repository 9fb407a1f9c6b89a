import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../../../config';
import type { Queues } from '../../../jobs/queues';
import { startWorkerPool, type WorkerPool } from '../../../workers/pool';
import { openLocalApi } from '../../lib/local-api';

/**
 * The fuzz scenarios' own wiring on the local services (test/helpers is not compiled into dist/): a throwaway
 * database and queue prefix per run, the API as in production (read-only MySQL user, fail-fast Redis).
 */

/** The API listening on an ephemeral local port, with what the fuzzer needs to look at. */
export interface FuzzApi {
  baseUrl: string;
  port: number;
  queues: Queues;
  /** lines the API logged (real failures only: 4xx are not logged) */
  logged: string[];
  close(): Promise<void>;
}

/** Serves an app built elsewhere (test/helpers/api.ts in jest) on 127.0.0.1 and an ephemeral port. */
export async function listen(app: Express): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  const server = createServer(app);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Starts the API on `config` over a migrated database, plus an in-process worker for the `control` queue only:
 * model activation then answers at once (404 for an unknown version) instead of making the route wait 10 s.
 * `close()` obliterates the fuzz run's queues and releases everything (the database stays: drop it yourself).
 */
export async function startFuzzApi(config: Readonly<Config>): Promise<FuzzApi> {
  const api = await openLocalApi(config);
  const http = await listen(api.app);
  const control: WorkerPool = startWorkerPool({ ...config, WORKER_QUEUES: ['control'], WORKER_SANDBOXED: false }, () => undefined);
  return {
    baseUrl: `http://127.0.0.1:${http.port}`,
    port: http.port,
    queues: api.queues,
    logged: api.logged,
    async close() {
      await http.close();
      await control.close();
      await api.close();
    },
  };
}

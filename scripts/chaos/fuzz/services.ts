import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import type { Config } from '../../../config';
import type { Queues } from '../../../jobs/client/queues';
import { runIngest } from '../../../ingest/runner';
import { startWorkerPool, type WorkerPool } from '../../../workers/pool';
import { createIsolatedDb, isolatedConfig } from '../../lib/isolated-env';
import { FUZZ_API_KEYS } from './api-cases';
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
  const control: WorkerPool = startWorkerPool({ ...config, WORKER_QUEUES: ['control'], WORKER_SANDBOXED: false });
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

/** What the API fuzzer aims at: the API on a local port over a throwaway, seeded database. */
export interface FuzzTarget {
  /** the run's scratch directory (uploads, rejects): answers must never show it */
  dir: string;
  api: FuzzApi;
  /** closes the API, drops the database and removes the directory */
  close(): Promise<void>;
}

/**
 * The API fuzzer's target, the same for jest and the chaos run: fuzz keys, small uploads, limits high enough that
 * one fuzzing address is not throttled (their code still runs), and ingest batch 1 with a reject report so the
 * batch and rejects routes have something to serve.
 */
export async function startFuzzTarget(name: string): Promise<FuzzTarget> {
  const dir = await mkdtemp(join(tmpdir(), `${name}-`));
  const config = isolatedConfig(name, {
    API_KEYS: FUZZ_API_KEYS,
    UPLOAD_DIR: join(dir, 'uploads'),
    UPLOAD_MAX_BYTES: String(64 * 1024),
    REJECTS_DIR: join(dir, 'rejects'),
    RATE_LIMIT_ADDRESS_PER_SECOND: '100000',
    RATE_LIMIT_KEY_PER_SECOND: '100000',
    RATE_LIMIT_ENQUEUE_PER_MINUTE: '1000000',
    RATE_LIMIT_AUTH_FAILURES: '1000000',
  });
  const env = await createIsolatedDb(config);
  const seed = join(dir, 'seed.csv');
  await writeFile(seed, 'user_id,item_id,event_type,ts\nu1,i1,view,2024-03-01T10:00:00Z\n,i2,view,nope\n');
  await runIngest({ db: env.db, config }, seed, {});
  const api = await startFuzzApi(config);
  return {
    dir,
    api,
    async close() {
      await api.close();
      await env.drop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

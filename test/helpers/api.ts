import type { Config } from '../../config';
import { openLocalApi, type LocalApi } from '../../scripts/lib/local-api';

/** The API wired as in production (read-only MySQL user, fail-fast Redis), for supertest. */
export type TestApi = LocalApi;

/** Starts the API for a test once Redis is ready; `close()` removes the test's queues and closes every connection. */
export function startTestApi(config: Readonly<Config>): Promise<TestApi> {
  return openLocalApi(config);
}

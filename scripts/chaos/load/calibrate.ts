/**
 * The read API's maximum throughput, measured with autocannon at full speed (closed loop: every connection
 * sends its next request as soon as the previous answer arrives) over real customer ids.
 */
import autocannon from 'autocannon';

export interface Calibration {
  /** 2xx answers per second over the run */
  maxRate: number;
  seconds: number;
  connections: number;
  ok: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  p50: number;
  p99: number;
}

/** The recommendations path for a customer id. */
export const recommendationsPath = (id: string): string => `/v1/users/${encodeURIComponent(id)}/recommendations`;

/** Runs GET /v1/users/:id/recommendations as fast as `connections` connections allow for `seconds`, rotating ids. */
export async function calibrate(baseUrl: string, apiKey: string, ids: string[], seconds: number, connections = 16): Promise<Calibration> {
  if (ids.length === 0) throw new Error('calibration needs at least one customer id');
  let n = 0;
  const result = await autocannon({
    url: baseUrl,
    connections,
    duration: seconds,
    timeout: 10,
    headers: { 'x-api-key': apiKey },
    requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: recommendationsPath(ids[n++ % ids.length] as string) }) }],
  });
  return {
    maxRate: result['2xx'] / result.duration,
    seconds: result.duration,
    connections,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    p50: result.latency.p50,
    p99: result.latency.p99,
  };
}

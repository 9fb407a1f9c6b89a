/**
 * An open-loop HTTP load generator: requests go out on a fixed schedule (request i at t0 + i/rate), whatever the
 * server's answers, over a keep-alive agent, and every answer or error is counted and handed to the caller.
 *
 * Why not autocannon's `overallRate`: autocannon gives each connection a per-second quota that it fires back to
 * back at the start of every second (lib/httpClient.js), so a "rate" is a full-speed burst followed by idling,
 * and its coordinated-omission correction assumes a 1 ms interval; it also counts errors without saying which
 * request failed, and abandons requests still in flight when the duration ends. Here requests are spaced evenly,
 * nothing is abandoned (each ends in an answer, an error or a timeout), and the schedule's lag is measured.
 */
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { performance } from 'node:perf_hooks';

/** One request of a paced run. */
export interface PacedRequest {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** A complete answer. */
export interface PacedAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** ms from handing the request to the agent to the last byte of the answer (agent queueing included) */
  ms: number;
}

export interface PacedOptions {
  baseUrl: string;
  /** requests per second */
  rate: number;
  /** how long to send; `rate × seconds` requests are planned */
  seconds: number;
  /** the i-th request (0-based) */
  request(i: number): PacedRequest;
  /** called for every answer; return false to count it as bad (wrong status or body) */
  onAnswer?(i: number, req: PacedRequest, answer: PacedAnswer): boolean;
  /** called for every socket error or timeout */
  onError?(i: number, req: PacedRequest, err: Error, timedOut: boolean): void;
  /** most sockets open at once (default 32) */
  sockets?: number;
  /** a request without a complete answer after this long is aborted and counted as a timeout (default 10 s) */
  timeoutMs?: number;
  /** stops sending early when it returns true (checked before each batch) */
  stop?(): boolean;
}

export interface PacedResult {
  planned: number;
  sent: number;
  answered: number;
  /** answers onAnswer rejected */
  bad: number;
  /** socket errors, timeouts excluded */
  errors: number;
  timeouts: number;
  /** answers by status code */
  statuses: Record<string, number>;
  /** latency (ms) of every answer onAnswer accepted, in completion order */
  latencies: number[];
  /** when each of those answers arrived (seconds after the first send), parallel to `latencies` */
  latencyTimes: number[];
  /** seconds from the first send to the last send; the achieved send rate is (sent − 1) / this */
  sendSeconds: number;
  /** seconds from the first send to the last answer or error */
  totalSeconds: number;
  /** requests handed to the agent per second over the sending window */
  sendRate: number;
  /** answers per second from the first send to the last answer */
  answerRate: number;
  /** how late the scheduler sent requests (ms behind their slot): 99th percentile and maximum */
  lagP99: number;
  lagMax: number;
  /** most requests in flight at once */
  maxInFlight: number;
}

/** The p-th percentile (0–100) of `xs` by nearest rank; NaN when empty. Sorts a copy. */
export function percentile(xs: ArrayLike<number>, p: number): number {
  if (xs.length === 0) return Number.NaN;
  const s = Float64Array.from(xs).sort();
  const rank = Math.min(s.length, Math.max(1, Math.ceil((p / 100) * s.length)));
  return s[rank - 1] as number;
}

/** The p-th percentile of the latencies in each `windowSeconds`-long window of the run, in order (NaN for empty windows). */
export function windowedPercentile(r: Pick<PacedResult, 'latencies' | 'latencyTimes'>, p: number, windowSeconds: number): number[] {
  const buckets: number[][] = [];
  r.latencies.forEach((ms, i) => {
    const w = Math.floor((r.latencyTimes[i] ?? 0) / windowSeconds);
    (buckets[w] ??= []).push(ms);
  });
  return Array.from(buckets, (b) => (b ? percentile(b, p) : Number.NaN));
}

/** Runs a paced load and resolves once every request has ended (answer, error or timeout). */
export async function pacedLoad(opts: PacedOptions): Promise<PacedResult> {
  const url = new URL(opts.baseUrl);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  // FIFO keeps every socket busy in turn, so none idles past the server's keep-alive timeout (5 s) and gets
  // closed under a request in flight (an ECONNRESET that would be the client's fault, not the server's).
  const agent = new Agent({ keepAlive: true, maxSockets: opts.sockets ?? 32, scheduling: 'fifo' });
  const planned = Math.max(1, Math.round(opts.rate * opts.seconds));
  const interval = 1000 / opts.rate;
  const res: PacedResult = {
    planned, sent: 0, answered: 0, bad: 0, errors: 0, timeouts: 0, statuses: {}, latencies: [], latencyTimes: [],
    sendSeconds: 0, totalSeconds: 0, sendRate: 0, answerRate: 0, lagP99: 0, lagMax: 0, maxInFlight: 0,
  };
  const lags: number[] = [];
  let inFlight = 0;
  let firstSend = 0;
  let lastSend = 0;
  let lastEnd = 0;
  let lastAnswer = 0;
  let allSent: () => void = () => undefined;
  const sending = new Promise<void>((r) => {
    allSent = r;
  });
  let drained: () => void = () => undefined;
  const idle = new Promise<void>((r) => {
    drained = r;
  });
  let sendingDone = false;

  const finish = (): void => {
    inFlight--;
    lastEnd = performance.now();
    if (sendingDone && inFlight === 0) drained();
  };

  const send = (i: number): void => {
    const req = opts.request(i);
    const started = performance.now();
    if (res.sent === 0) firstSend = started;
    lastSend = started;
    res.sent++;
    inFlight++;
    res.maxInFlight = Math.max(res.maxInFlight, inFlight);
    let ended = false;
    const fail = (err: Error, timedOut: boolean): void => {
      if (ended) return;
      ended = true;
      clearTimeout(timer);
      if (timedOut) res.timeouts++;
      else res.errors++;
      opts.onError?.(i, req, err, timedOut);
      finish();
    };
    const headers: Record<string, string> = { ...req.headers };
    if (req.body !== undefined) headers['content-length'] = String(Buffer.byteLength(req.body));
    const r = httpRequest({ agent, host: url.hostname, port: url.port, method: req.method, path: req.path, headers }, (msg) => {
      const chunks: Buffer[] = [];
      msg.on('data', (c: Buffer) => chunks.push(c));
      msg.on('error', (err) => fail(err, false));
      msg.on('end', () => {
        if (ended) return;
        ended = true;
        clearTimeout(timer);
        const now = performance.now();
        lastAnswer = now;
        const answer: PacedAnswer = { status: msg.statusCode ?? 0, headers: msg.headers, body: Buffer.concat(chunks).toString('utf8'), ms: now - started };
        res.answered++;
        res.statuses[String(answer.status)] = (res.statuses[String(answer.status)] ?? 0) + 1;
        const ok = opts.onAnswer ? opts.onAnswer(i, req, answer) : answer.status >= 200 && answer.status < 300;
        if (ok) {
          res.latencies.push(answer.ms);
          res.latencyTimes.push((now - firstSend) / 1000);
        }
        else res.bad++;
        finish();
      });
    });
    // Measured from the hand-over, so time waiting for a free socket counts as latency.
    const timer = setTimeout(() => {
      fail(new Error(`no complete answer within ${timeoutMs} ms`), true);
      r.destroy();
    }, timeoutMs);
    r.on('error', (err) => {
      clearTimeout(timer);
      fail(err, false);
    });
    r.end(req.body);
  };

  const t0 = performance.now();
  let next = 0;
  const tick = (): void => {
    const now = performance.now();
    const due = opts.stop?.() ? next : Math.min(planned, Math.floor((now - t0) / interval) + 1);
    while (next < due) {
      lags.push(Math.max(0, now - (t0 + next * interval)));
      send(next++);
    }
    if (next < planned && !opts.stop?.()) setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    else allSent();
  };
  tick();
  await sending;
  sendingDone = true;
  if (inFlight > 0) await idle;
  agent.destroy();

  res.sendSeconds = (lastSend - firstSend) / 1000;
  res.totalSeconds = (Math.max(lastEnd, lastSend) - firstSend) / 1000;
  res.sendRate = res.sendSeconds > 0 ? (res.sent - 1) / res.sendSeconds : 0;
  res.answerRate = lastAnswer > firstSend ? res.answered / ((lastAnswer - firstSend) / 1000) : 0;
  res.lagP99 = percentile(lags, 99);
  res.lagMax = lags.reduce((m, x) => Math.max(m, x), 0);
  return res;
}

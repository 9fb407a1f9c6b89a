import { request, type IncomingHttpHeaders } from 'node:http';
import fc from 'fast-check';
import { describeRequest, fuzzRequest, type FuzzRequest } from './api-cases';
import { messageProblems } from './judge';
import { expectNone } from './run';

/** What came back for one request. */
export interface FuzzResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
  ms: number;
  /** set when no response came (connection refused, reset, timed out) */
  error: string | null;
}

/**
 * Sends a request as generated (raw target, headers as given, a body with Content-Length or chunked) on a fresh
 * connection, and reads the whole answer; never throws.
 */
export function send(port: number, r: FuzzRequest, timeoutMs: number): Promise<FuzzResponse> {
  const started = Date.now();
  return new Promise((resolve) => {
    let settled = false;
    const timer: { id?: NodeJS.Timeout } = {};
    const done = (res: Omit<FuzzResponse, 'ms'>): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer.id);
      resolve({ ...res, ms: Date.now() - started });
    };
    let req: ReturnType<typeof request>;
    try {
      req = request({ host: '127.0.0.1', port, method: r.method, path: r.path, agent: false, setHost: true });
      for (const [k, v] of r.headers) req.setHeader(k, v);
      // Explicitly chunked: Node frames chunks by default only for methods that usually carry a body.
      if (r.body !== null && r.chunked) req.setHeader('Transfer-Encoding', 'chunked');
      else if (r.body !== null) req.setHeader('Content-Length', r.body.length);
    } catch (err) {
      // The client itself refused to send it (an invalid header or target): not the server's doing.
      done({ status: 0, headers: {}, body: Buffer.alloc(0), error: `client refused: ${(err as Error).message}` });
      return;
    }
    timer.id = setTimeout(() => {
      req.destroy();
      done({ status: 0, headers: {}, body: Buffer.alloc(0), error: `no answer within ${timeoutMs} ms` });
    }, timeoutMs);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), error: null }));
      res.on('error', (err) => done({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks), error: `response broke: ${err.message}` }));
    });
    // The server may answer (413, 401) and close before the body is sent: that reset is fine once a status came.
    req.on('error', (err) => done({ status: 0, headers: {}, body: Buffer.alloc(0), error: `request failed: ${err.message}` }));
    if (r.body !== null && r.chunked) {
      // Three pieces (Transfer-Encoding: chunked), so the body arrives across reads.
      const third = Math.ceil(r.body.length / 3);
      for (let i = 0; i < r.body.length; i += third) req.write(r.body.subarray(i, i + third));
      req.end();
    } else {
      req.end(r.body ?? undefined);
    }
  });
}

// Server paths, module folders and stack frames must never reach a client.
const LEAKS: [RegExp, string][] = [
  [/\/work\//, 'a server path (/work/)'],
  [/node_modules/, 'node_modules'],
  [/\n\s*at\s/, 'a stack trace'],
  [/\bat (?:async )?[\w$.<>[\] ]+ \((?:\/|node:|file:)/, 'a stack frame'],
];

/**
 * The API property: never 5xx; every 4xx a JSON `{error: {code, message}}` with a short, printable message;
 * no server paths or stack traces in any body; an answer within the budget. `secrets` are server-side
 * directories that must not appear either. Returns what broke.
 */
export function judgeResponse(r: FuzzRequest, res: FuzzResponse, budgetMs: number, secrets: readonly string[] = []): string[] {
  if (res.error !== null && res.error.startsWith('client refused')) return [];
  if (res.error !== null && res.status === 0) {
    // A server that answered early (401/413) and closed while a big body was still going out shows up as a reset.
    return [`no response: ${res.error}`];
  }
  const f: string[] = [];
  if (res.ms > budgetMs) f.push(`answered after ${res.ms} ms (budget ${budgetMs})`);
  if (res.status >= 500) f.push(`status ${res.status}`);
  const text = res.body.toString('utf8');
  const type = String(res.headers['content-type'] ?? '');
  const checkLeaks = res.status >= 400 || type.includes('json');
  if (checkLeaks) {
    for (const [re, what] of LEAKS) if (re.test(text)) f.push(`body shows ${what}`);
    for (const s of secrets) if (s.length > 4 && text.includes(s)) f.push(`body shows the server directory ${s}`);
  }
  if (res.status >= 400 && r.method !== 'HEAD') {
    if (r.parserMayRefuse && res.body.length === 0 && [400, 414, 431].includes(res.status)) return f;
    if (!type.includes('application/json')) f.push(`a ${res.status} with content type "${type}"`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      f.push(`a ${res.status} whose body is not JSON: ${JSON.stringify(text.slice(0, 120))}`);
      return f;
    }
    const err = (parsed as { error?: { code?: unknown; message?: unknown; key?: unknown } } | null)?.error;
    // Bull Board's own API answers its UI in its own shape ({error: {key}}, an i18n key): left as it is.
    if (r.route === 'board' && typeof err?.key === 'string' && /^[A-Z_.]{1,80}$/.test(err.key)) return f;
    if (typeof err !== 'object' || err === null) f.push(`a ${res.status} without {error}: ${text.slice(0, 160)}`);
    else {
      if (typeof err.code !== 'string' || err.code.length === 0) f.push(`a ${res.status} without error.code: ${text.slice(0, 160)}`);
      f.push(...messageProblems(`${res.status} error.message`, err.message));
    }
  }
  return f;
}

/** Whether a fuzz request managed to add a property to Object.prototype (this process serves the API). */
export function prototypePolluted(): string | null {
  const probe = {} as Record<string, unknown>;
  for (const k of ['polluted', 'x', 'isAdmin']) if (probe[k] !== undefined) return `Object.prototype.${k} was set`;
  return null;
}

/** Per-request budget: far above a healthy answer (the activation route waits for its worker's answer). */
export const REQUEST_BUDGET_MS = 5_000;
const budgetFor = (r: FuzzRequest): number => (r.route === 'activate' ? 12_000 : REQUEST_BUDGET_MS);

/** Property 3: a generated request to any route gets a well-formed, safe, timely, non-5xx answer. */
export function apiProperty(port: number, secrets: readonly string[], counter: { n: number; byStatus: Record<string, number> } = { n: 0, byStatus: {} }): fc.IAsyncPropertyWithHooks<[FuzzRequest]> {
  return fc.asyncProperty(fuzzRequest, async (r) => {
    const budget = budgetFor(r);
    const res = await send(port, r, budget + 2_000);
    counter.n++;
    const key = `${r.route} ${res.status}`;
    counter.byStatus[key] = (counter.byStatus[key] ?? 0) + 1;
    const failures = judgeResponse(r, res, budget, secrets);
    const polluted = prototypePolluted();
    if (polluted) failures.push(polluted);
    expectNone(failures, () => `${describeRequest(r)} → ${res.status} ${res.body.toString('utf8').slice(0, 300)}`);
  });
}

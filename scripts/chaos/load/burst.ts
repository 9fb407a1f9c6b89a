/**
 * `burst-job-submissions`: POST /v1/jobs/:type at 200 per second for a minute against a rig whose API has no
 * worker behind it, so every accepted job stays in Redis to be counted. Every answer must be a 202 with a job
 * id or a 429 with Retry-After (the per-key enqueue quota); any other status, socket error or timeout fails the
 * run. Then every 202'd id must be a waiting job on its queue, and the queues must hold exactly those jobs.
 *
 * Submissions alternate segment and preprocess jobs and rotate over several keys (the quota is per key), each
 * with a quota below its share, so both answers come in thousands: about 80% accepted, then refusals until
 * each key's minute ends. Settings: CHAOS_BURST_SECONDS (60), CHAOS_BURST_RATE (200), CHAOS_BURST_KEYS (4),
 * CHAOS_BURST_QUOTA (enqueues per key per minute, 2400). Each run gets a fresh rig (database and prefix).
 */
import { randomBytes } from 'node:crypto';
import { Job } from 'bullmq';
import type { JobName } from '../../../jobs/catalogue';
import { API_KEY, Rig } from '../rig';
import type { ChaosOutcome, ChaosScenario } from '../types';
import { envNumber, fmt, message } from './options';
import { pacedLoad, percentile } from './paced';

/** What is submitted, in turn: two queues, valid payloads. */
const SUBMISSIONS: { name: JobName; body: string }[] = [
  { name: 'segment', body: JSON.stringify({ segments: 4 }) },
  { name: 'preprocess', body: JSON.stringify({ excludedItemIds: ['POST'] }) },
];
/** Every state a job can be in, for listing what the queues hold. */
const ALL_STATES = ['active', 'completed', 'delayed', 'failed', 'prioritized', 'wait', 'waiting-children'] as const;

/** A 202's or an error's JSON body, as far as the checks read it. */
type AnswerBody = { id?: unknown; type?: unknown; error?: { code?: unknown } };

interface Settings {
  seconds: number;
  rate: number;
  keys: number;
  quota: number;
}

function settings(): Settings {
  return {
    seconds: envNumber('CHAOS_BURST_SECONDS', 60),
    rate: envNumber('CHAOS_BURST_RATE', 200),
    keys: Math.round(envNumber('CHAOS_BURST_KEYS', 4)),
    quota: Math.round(envNumber('CHAOS_BURST_QUOTA', 2400)),
  };
}

/** What the queues hold against what the API promised. */
interface Audit {
  /** 202'd ids with no job */
  missing: number;
  /** 202'd jobs not waiting (nothing consumes these queues, so each must still wait) */
  notWaiting: number;
  /** jobs under the prefix that no 202 announced */
  unexpected: number;
  /** jobs per queue */
  held: Record<string, number>;
  samples: string[];
}

async function audit(rig: Rig, accepted: Map<string, JobName>): Promise<Audit> {
  const a: Audit = { missing: 0, notWaiting: 0, unexpected: 0, held: {}, samples: [] };
  const note = (s: string): void => {
    if (a.samples.length < 5) a.samples.push(s);
  };
  const entries = [...accepted];
  for (let i = 0; i < entries.length; i += 200) {
    await Promise.all(entries.slice(i, i + 200).map(async ([id, name]) => {
      const job = await Job.fromId(rig.queueOf(name), id);
      if (!job) {
        a.missing++;
        note(`202'd ${id} not on queue ${name}`);
        return;
      }
      const state = await job.getState();
      if (state !== 'waiting') {
        a.notWaiting++;
        note(`${id} is ${state}`);
      }
    }));
  }
  for (const [queueName, q] of rig.queues.byName) {
    const ids = new Set(await q.getRanges([...ALL_STATES], 0, -1));
    a.held[queueName] = ids.size;
    for (const id of ids) {
      if (!accepted.has(id)) {
        a.unexpected++;
        note(`${queueName} holds ${id}, never 202'd`);
      }
    }
  }
  return a;
}

async function burstRun(): Promise<ChaosOutcome> {
  const cfg = settings();
  const keys = Array.from({ length: cfg.keys }, (_, i) => `chaos-burst-${i}-${randomBytes(6).toString('hex')}`);
  const rig = await Rig.create({
    name: 'burst',
    env: { API_KEYS: [`${API_KEY}:read+jobs+ops`, ...keys.map((k) => `${k}:jobs`)].join(','), RATE_LIMIT_ENQUEUE_PER_MINUTE: String(cfg.quota) },
  });
  let pass = false;
  try {
    const api = await rig.startApi();
    // No worker: what the API accepts stays in Redis.
    const accepted = new Map<string, JobName>();
    let duplicates = 0;
    let refused = 0;
    const perKey = keys.map(() => ({ accepted: 0, refused: 0 }));
    const problems: string[] = [];
    const note = (p: string): void => {
      if (problems.length < 5) problems.push(p.replace(/\s+/g, ' ').slice(0, 160));
    };
    const keyOf = (i: number): number => i % keys.length;
    const submissionOf = (i: number): { name: JobName; body: string } => SUBMISSIONS[Math.floor(i / keys.length) % SUBMISSIONS.length] as { name: JobName; body: string };

    const res = await pacedLoad({
      baseUrl: rig.baseUrl,
      rate: cfg.rate,
      seconds: cfg.seconds,
      sockets: 64,
      // Counted from the hand-over, queueing in the client included: on a busy 2-core machine the API answers
      // 200 enqueues per second only just (about 270/s at most measured with autocannon at load average 10).
      timeoutMs: 30_000,
      request: (i) => {
        const s = submissionOf(i);
        return { method: 'POST', path: `/v1/jobs/${s.name}`, headers: { 'x-api-key': keys[keyOf(i)] as string, 'content-type': 'application/json' }, body: s.body };
      },
      onAnswer: (i, _req, ans) => {
        const name = submissionOf(i).name;
        const k = perKey[keyOf(i)] as { accepted: number; refused: number };
        let body: AnswerBody | null = null;
        try {
          body = JSON.parse(ans.body) as AnswerBody | null;
        } catch {
          body = null;
        }
        if (ans.status === 202) {
          const id = body?.id;
          if (typeof id !== 'string' || body?.type !== name || !id.startsWith(`${name}-`)) {
            note(`202 without a ${name} job id: ${ans.body}`);
            return false;
          }
          if (accepted.has(id)) duplicates++;
          accepted.set(id, name);
          k.accepted++;
          return true;
        }
        if (ans.status === 429) {
          const retryAfter = String(ans.headers['retry-after'] ?? '');
          if (!/^[1-9]\d*$/.test(retryAfter) || body?.error?.code !== 'rate_limited') {
            note(`429 without Retry-After or rate_limited code (Retry-After "${retryAfter}"): ${ans.body}`);
            return false;
          }
          refused++;
          k.refused++;
          return true;
        }
        note(`${ans.status}: ${ans.body}`);
        return false;
      },
      onError: (_i, _req, err, timedOut) => note(`${timedOut ? 'timeout' : 'error'}: ${err.message}`),
    });

    const a = await audit(rig, accepted);
    const dataLost = a.missing + a.unexpected + duplicates;
    const inQueues = Object.values(a.held).reduce((n, x) => n + x, 0);
    const fail: string[] = [];
    if (res.bad > 0 || res.errors > 0 || res.timeouts > 0) fail.push(`${res.bad} answers neither 202 nor 429, ${res.errors} errors, ${res.timeouts} timeouts (${problems.join(' | ')})`);
    if (res.sent < res.planned) fail.push(`sent ${res.sent} of ${res.planned}`);
    if (res.sendRate < 0.95 * cfg.rate) fail.push(`achieved only ${fmt(res.sendRate)}/s of ${cfg.rate}/s`);
    if (dataLost > 0) fail.push(`${a.missing} accepted jobs missing, ${a.unexpected} jobs nobody was told about, ${duplicates} ids answered twice (${a.samples.join(' | ')})`);
    if (a.notWaiting > 0) fail.push(`${a.notWaiting} accepted jobs not waiting (${a.samples.join(' | ')})`);
    if (inQueues !== accepted.size) fail.push(`queues hold ${inQueues} jobs, ${accepted.size} accepted`);
    if (!api.running) fail.push(`API exited: ${JSON.stringify(api.exit)}`);
    pass = fail.length === 0;

    const held = Object.entries(a.held).filter(([, n]) => n > 0).map(([q, n]) => `${q} ${n}`).join(', ') || 'none';
    const detail = [
      ...fail.map((f) => `FAIL ${f}`),
      `${res.sent}/${res.planned} submissions over ${fmt(res.sendSeconds)} s at ${fmt(res.sendRate)}/s (target ${cfg.rate}/s; answers ${fmt(res.answerRate)}/s, schedule lag p99 ${fmt(res.lagP99)} ms, max in flight ${res.maxInFlight})`,
      `202 accepted ${accepted.size}, 429 refused ${refused} (Retry-After on each), other ${res.bad}, errors ${res.errors}, timeouts ${res.timeouts}`,
      `${keys.length} keys × quota ${cfg.quota}/min: accepted per key ${perKey.map((k) => k.accepted).join('/')}`,
      `latency p50 ${fmt(percentile(res.latencies, 50))} ms, p99 ${fmt(percentile(res.latencies, 99))} ms`,
      `queues hold ${inQueues} (${held}): missing ${a.missing}, unexpected ${a.unexpected}, duplicate ids ${duplicates}, not waiting ${a.notWaiting}`,
    ].join('; ');
    return { pass, dataLost, recoverySeconds: null, detail };
  } catch (err) {
    return { pass: false, dataLost: 0, recoverySeconds: null, detail: `threw: ${message(err)} (logs in ${rig.dir})` };
  } finally {
    await rig.teardown({ keepDir: !pass });
  }
}

/** The burst scenario: a fresh rig per run. */
export function burstJobSubmissionsScenario(): ChaosScenario {
  return { name: 'burst-job-submissions', quick: false, run: burstRun };
}

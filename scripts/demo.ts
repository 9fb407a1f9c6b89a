import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../config';
import { parseCli, type CliSpec } from '../config/cli';
import { setupDatabase } from '../db/setup';
import { clearAbandonedJobs } from './lib/abandoned-jobs';
import { apiClient, waitForHttp } from './lib/http';
import { UCI_NON_PRODUCT_CODES } from './lib/uci-loader';
import type { ListSelection } from '../ml';
import { forwardBasis, forwardLines, type ForwardCheck } from '../ml/forward-report';

/**
 * The demo: starts the API and a worker as real processes, runs ingest + the nightly pipeline on the shipped
 * UCI Online Retail data through the API and the queues, prints a summary, and keeps serving until Ctrl-C
 * (`--once`: exits after the summary, printed as JSON on the last line).
 */
const ROOT = path.resolve(__dirname, '../..');
const DATA_FILE = path.join(ROOT, 'data/online-retail/online-retail.csv.gz');
const SAMPLE_USER = '17850';

const CLI = {
  command: 'npm run demo --',
  summary: 'Starts the API and a worker, runs ingest and the nightly pipeline on the shipped UCI data through the API and the queues, prints a summary and keeps serving until Ctrl-C.',
  options: { once: { type: 'boolean', description: 'exit after the summary (printed as JSON on the last line)' } },
  notes: 'Logs of the API and the worker go to var/log/. Settings come from the environment (README, "Configuration").',
} as const satisfies CliSpec;

interface JobStatus {
  id: string;
  name: string;
  state: string;
  progress: unknown;
  result: Record<string, unknown> | null;
  error: string | null;
}

function progressText(p: unknown): string {
  if (typeof p === 'number') return `${p}%`;
  if (p && typeof p === 'object') {
    const { percent, ...rest } = p as Record<string, unknown>;
    const detail = Object.entries(rest)
      .map(([k, v]) => `${k} ${typeof v === 'number' ? Math.round(v).toLocaleString('en-US') : String(v)}`)
      .join(', ');
    return `${typeof percent === 'number' ? `${percent}%` : ''}${detail ? ` (${detail})` : ''}`;
  }
  return '';
}

async function main(): Promise<void> {
  const { once } = parseCli(CLI).values;
  const started = Date.now();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    // The shipped shop's non-product codes (postage, fees, manual adjustments) are left out of every model.
    EXCLUDED_ITEM_IDS: process.env.EXCLUDED_ITEM_IDS ?? UCI_NON_PRODUCT_CODES.join(','),
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
    // About 1,500 customers per score-shard job, so the demo's scoring fans out (3 shards, seen in Bull Board).
    SCORE_SHARD_USERS: process.env.SCORE_SHARD_USERS ?? '1500',
    // The shipped data is read in place: data/ is the demo's allow-listed import directory.
    IMPORT_DIR: path.join(ROOT, 'data'),
  };
  const config = loadConfig(env);
  console.log('Preparing the database…');
  await setupDatabase(config.MYSQL_URL, config.MYSQL_READONLY_URL);

  const abandoned = await clearAbandonedJobs(config);
  if (abandoned.workers > 0 && abandoned.found > 0) {
    console.log(`Note: ${abandoned.found} unfinished jobs under the queue prefix "${config.QUEUE_PREFIX}" belong to ${abandoned.workers} running workers; the demo's jobs queue behind them (set QUEUE_PREFIX to run apart).`);
  } else if (abandoned.found > 0) {
    console.log(`Removed ${abandoned.removed} of ${abandoned.found} unfinished jobs left by an earlier run that nobody works on (the rest are locked by a stopped worker and are taken over within JOB_LOCK_MS).`);
  }

  const logDir = path.join(ROOT, 'var/log');
  mkdirSync(logDir, { recursive: true });
  const children: ChildProcess[] = [];
  const start = (name: string, script: string): void => {
    const child = spawn(process.execPath, [path.join(ROOT, script)], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const out = createWriteStream(path.join(logDir, `${name}.log`), { flags: 'a' });
    child.stdout?.pipe(out);
    child.stderr?.pipe(out);
    child.on('exit', (code, signal) => {
      if (!stopping) console.error(`${name} exited (${signal ?? code}); see var/log/${name}.log`);
    });
    children.push(child);
  };
  let stopping = false;
  const stop = async (): Promise<void> => {
    stopping = true;
    await Promise.all(
      children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGINT');
          }),
      ),
    );
  };

  start('api', 'dist/api/main.js');
  start('worker', 'dist/workers/main.js');
  const base = `http://127.0.0.1:${config.API_PORT}`;
  try {
    await waitForHttp(`${base}/healthz`, 30_000);
    const key = config.API_KEYS.find((k) => k.scopes.includes('ops'))?.key ?? config.API_KEYS[0]?.key ?? '';
    const api = apiClient(base, key);

    console.log(`Running ingest + nightly pipeline on ${path.relative(ROOT, DATA_FILE)} through the queues…`);
    const pipeline = await api<{ id: string; steps: string[]; error?: unknown }>('POST', '/v1/pipelines/nightly', {
      withIngest: { file: path.relative(config.IMPORT_DIR, DATA_FILE), dir: 'imports', mapping: 'uci-online-retail' },
    });
    if (pipeline.status !== 202) throw new Error(`pipeline was refused: ${JSON.stringify(pipeline.body)}`);
    const results: Record<string, JobStatus> = {};
    const shown = new Map<string, string>();
    for (;;) {
      const statuses = await Promise.all(pipeline.body.steps.map(async (id) => (await api<JobStatus>('GET', `/v1/jobs/${id}`)).body));
      for (const s of statuses) {
        results[s.name] = s;
        const line = `${s.state} ${s.state === 'active' ? progressText(s.progress) : ''}`.trim();
        if (shown.get(s.id) !== line) {
          shown.set(s.id, line);
          if (s.state !== 'waiting-children' && s.state !== 'waiting') console.log(`  [${((Date.now() - started) / 1000).toFixed(0).padStart(4)} s] ${s.name.padEnd(16)} ${line}`);
        }
      }
      const failed = statuses.find((s) => s.state === 'failed');
      if (failed) throw new Error(`${failed.name} failed: ${failed.error ?? 'unknown error'}`);
      if (statuses.every((s) => s.state === 'completed')) break;
      await new Promise((r) => setTimeout(r, 1000));
    }

    const models = (await api<{ models: { version: number; status: string; backend: string; metrics: Record<string, unknown>; baselines: Record<string, unknown>; decision: string }[] }>('GET', '/v1/models')).body.models;
    const recs = await api<{ items?: { itemId: string; title: string | null; reason: string }[] }>('GET', `/v1/users/${SAMPLE_USER}/recommendations?list=for-you&limit=${config.TOP_K}`);
    const intent = await api<{ probability?: number }>('GET', `/v1/users/${SAMPLE_USER}/intent`);
    const segments = (await api<{ segments: { segmentId: string; label: string; size: number }[] }>('GET', '/v1/segments')).body.segments;
    const campaigns = (await api<{ campaigns?: { campaignId: string; label: string; size: number }[] }>('GET', '/v1/campaigns')).body.campaigns ?? [];
    const exported = campaigns.find((c) => c.size > 0) ?? campaigns[0];
    const rows = exported ? await firstLines(`${base}/v1/campaigns/${encodeURIComponent(exported.campaignId)}/export.csv`, key, 6) : [];
    const segmentResult = results.segment?.result ?? null;
    const model = models[0];
    // Jobs that kept less than half of the events (or none with a purchase) say so: shown before anything else.
    const warnings = ['preprocess', 'train'].flatMap((n) => {
      const w = results[n]?.result?.warnings;
      return Array.isArray(w) ? w.map(String) : [];
    });
    const summary = {
      warnings,
      seconds: Math.round((Date.now() - started) / 1000),
      ingest: results.ingest?.result ?? null,
      preprocess: results.preprocess?.result ?? null,
      model: model ? {
        version: model.version, status: model.status, backend: model.backend, decision: model.decision, holdout: headline(model.metrics),
        baselines: mapValues(model.baselines, headline), served: servedLists(model.metrics),
      } : null,
      scores: results['score-all-users']?.result ?? null,
      sample: { userId: SAMPLE_USER, intent: intent.body.probability ?? null, recommendations: recs.body.items ?? [] },
      segments: segments.map((s) => ({ id: s.segmentId, label: s.label, size: s.size })),
      lifecycle: (segmentResult?.lifecycle as Record<string, number> | undefined) ?? null,
      campaign: exported ? { id: exported.campaignId, label: exported.label, size: exported.size, export: `${base}/v1/campaigns/${exported.campaignId}/export.csv`, firstRows: rows } : null,
      api: base,
      board: `${base}/admin/queues`,
      apiKey: key,
    };
    printSummary(summary);
    if (once) {
      await stop();
      console.log(JSON.stringify(summary));
      return;
    }
    console.log(`\nServing until Ctrl-C. Try:\n  curl -H 'X-API-Key: ${key}' ${base}/v1/users/${SAMPLE_USER}/recommendations\n  open ${base}/admin/queues (user: anything, password: ${key})`);
    await new Promise<void>((resolve) => {
      process.once('SIGINT', resolve);
      process.once('SIGTERM', resolve);
    });
    console.log('Stopping…');
    await stop();
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The first `n` lines of a streamed text body (the CSV export), then the stream is cancelled. */
async function firstLines(url: string, key: string, n: number): Promise<string[]> {
  const res = await fetch(url, { headers: { 'X-API-Key': key } });
  if (!res.ok || !res.body) throw new Error(`${url}: ${res.status}`);
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = '';
  while (text.split('\r\n').length <= n) {
    const { done, value } = await reader.read();
    if (done) break;
    text += decoder.decode(value, { stream: true });
  }
  await reader.cancel();
  return text.split('\r\n').slice(0, n).filter((l) => l.length > 0);
}

/** What each list serves (chosen on the holdout), by what margins, and on which holdout protocol. */
interface Served {
  protocol: string | null;
  lists: {
    list: string; served: string; metric: string; value: number; champion: number; bestBaseline: string; bestBaselineValue: number;
    withinNoise: NonNullable<ListSelection['within_noise']>;
  }[];
  /** the choices of the older cuts judged on the newest (one cut: across halves of its customers) */
  forward: ForwardCheck | null;
}

function servedLists(metrics: Record<string, unknown>): Served | null {
  const sel = metrics.selection as Partial<Record<'for_you' | 'discover', ListSelection>> | undefined;
  if (!sel?.for_you || !sel.discover) return null;
  const protocol = (metrics.protocol as { name?: string; note?: string } | undefined) ?? null;
  return {
    protocol: protocol ? `${protocol.name ?? ''}: ${protocol.note ?? ''}` : null,
    forward: (metrics.rolling as { forward?: ForwardCheck | null } | undefined)?.forward ?? null,
    lists: (['for_you', 'discover'] as const).map((list) => {
      const l = sel[list]!;
      return {
        list, served: l.served, metric: l.metric, value: l.served_value, champion: l.champion_value, bestBaseline: l.best_baseline.name,
        bestBaselineValue: l.best_baseline.value, withinNoise: l.within_noise ?? [],
      };
    }),
  };
}

type Headline = { recall: number | null; ndcg: number | null; discoverRecall: number | null; intentAuc: number | null };

function mapValues<T, U>(o: Record<string, T>, f: (v: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, f(v)]));
}

/** The figures worth a glance from a registry metrics object (K = 20 keys; null where a method has none). */
function headline(m: unknown): Headline {
  const o = (m ?? {}) as Record<string, Record<string, unknown> | undefined>;
  const n = (v: unknown): number | null => (typeof v === 'number' ? v : null);
  return { recall: n(o.for_you?.recall_at_20), ndcg: n(o.for_you?.ndcg_at_20), discoverRecall: n(o.discover?.recall_new_at_20), intentAuc: n(o.intent?.auc) };
}

function printSummary(s: {
  seconds: number;
  warnings: string[];
  ingest: Record<string, unknown> | null;
  model: { version: number; backend: string; decision: string; holdout: Headline; baselines: Record<string, Headline>; served: Served | null } | null;
  scores: Record<string, unknown> | null;
  sample: { userId: string; intent: number | null; recommendations: { itemId: string; title: string | null; reason: string }[] };
  segments: { label: string; size: number }[];
  lifecycle: Record<string, number> | null;
  campaign: { id: string; label: string; size: number; export: string; firstRows: string[] } | null;
  api: string;
  board: string;
  apiKey: string;
}): void {
  const num = (v: unknown): string => (typeof v === 'number' ? v.toLocaleString('en-US', { maximumFractionDigits: 4 }) : typeof v === 'string' ? v : '-');
  const cell = (v: number | null): string => (v === null ? '-' : v.toFixed(4)).padStart(9);
  console.log(`\n=== ShopIntent demo: done in ${s.seconds} s ===`);
  for (const w of s.warnings) console.log(`WARNING: ${w}`);
  if (s.ingest) console.log(`Ingest: ${num(s.ingest.rowsRead)} rows read, ${num(s.ingest.rowsAccepted)} accepted, ${num(s.ingest.rowsRejected)} rejected, ${num(s.ingest.rowsDuplicate)} already stored`);
  if (s.model) {
    console.log(`Model v${s.model.version} (tfjs ${s.model.backend}): ${s.model.decision}`);
    console.log(`  ${'holdout (last 30 days)'.padEnd(40)}${['R@20', 'NDCG@20', 'discover', 'intAUC'].map((h) => h.padStart(9)).join('')}`);
    const row = (name: string, h: Headline): void => console.log(`  ${name.padEnd(40)}${cell(h.recall)}${cell(h.ndcg)}${cell(h.discoverRecall)}${cell(h.intentAuc)}`);
    row('ShopIntent model', s.model.holdout);
    for (const [name, h] of Object.entries(s.model.baselines)) row(`baseline ${name}`, h);
    if (s.model.served) {
      console.log(`Served lists, chosen on the holdout (${s.model.served.protocol ?? 'last horizon'}):`);
      for (const l of s.model.served.lists) {
        const margin = (v: number): string => `${v >= 0 ? '+' : ''}${v.toFixed(4)}`;
        console.log(`  ${l.list.padEnd(9)} ${l.served.padEnd(32)} ${l.metric} ${l.value.toFixed(4)}: ${margin(l.value - l.champion)} vs the champion, ` +
          `${margin(l.value - l.bestBaselineValue)} vs the best baseline (${l.bestBaseline})`);
        for (const w of l.withinNoise) console.log(`            ${w.choice} set aside: its lead ${margin(w.gain)} is within one standard error (${w.se.toFixed(4)})`);
      }
      const fw = s.model.served.forward;
      if (fw) {
        console.log(`Forward check (${forwardBasis(fw)}):`);
        for (const l of forwardLines(fw)) console.log(`  ${l.line}: ${l.holds ? 'holds' : 'does NOT hold'}`);
      }
    }
  }
  if (s.scores) console.log(`Scores: run ${num(s.scores.runId)}, ${num(s.scores.users)} customers scored in ${num(s.scores.shards)} shard jobs and published`);
  console.log(`Customer ${s.sample.userId}: P(buy in the horizon) = ${num(s.sample.intent)}; for-you list:`);
  for (const r of s.sample.recommendations.slice(0, 10)) console.log(`  ${r.itemId.padEnd(8)} ${(r.title ?? '').slice(0, 40).padEnd(40)} ${r.reason}`);
  console.log(`Segments: ${s.segments.map((x) => `${x.label} ${x.size}`).join(', ')}`);
  if (s.lifecycle) console.log(`Lifecycle: ${Object.entries(s.lifecycle).map(([k, v]) => `${k} ${num(v)}`).join(', ')}`);
  if (s.campaign) {
    console.log(`Campaign "${s.campaign.label}" (${num(s.campaign.size)} customers), first rows of ${s.campaign.export}:`);
    for (const line of s.campaign.firstRows) console.log(`  ${line.length > 160 ? `${line.slice(0, 157)}...` : line}`);
  }
  console.log(`API ${s.api}   Bull Board ${s.board}   API key ${s.apiKey}`);
}

main().catch((err: unknown) => {
  console.error(`demo failed: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

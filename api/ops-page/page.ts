import type { ModelSummary } from '../../db/repositories/models';
import type { RunSummary } from '../../db/repositories/ops';
import type { ServedSegment } from '../../db/repositories/campaigns';
import { barChart, esc, lineChart, type Series } from './charts';

/** One queue's counts as BullMQ reports them, plus the workers connected to it. */
export interface QueueHealth {
  name: string;
  counts: Record<string, number>;
  workers: number;
}

export interface OpsData {
  models: ModelSummary[];
  runs: RunSummary[];
  segments: { runId: number; publishedAt: string; segments: ServedSegment[] } | null;
  queues: QueueHealth[];
  generatedAt: string;
}

/** The metric of a list in a model's holdout figures whose name starts with `prefix` (any K), or null. */
function metric(m: ModelSummary, list: 'for_you' | 'discover', prefix: string): number | null {
  const figures = m.metrics[list] as Record<string, unknown> | undefined;
  const key = figures ? Object.keys(figures).find((k) => k.startsWith(prefix)) : undefined;
  const v = key ? figures![key] : undefined;
  return typeof v === 'number' ? v : null;
}

function intentAuc(m: ModelSummary): number | null {
  const v = (m.metrics.intent as { auc?: unknown } | undefined)?.auc;
  return typeof v === 'number' ? v : null;
}

function activeModel(models: ModelSummary[]): string {
  const a = models.find((m) => m.status === 'active');
  if (!a) return '<p class="empty">no active model: run <code>train</code></p>';
  const rows: [string, string][] = [
    ['version', `v${a.version} (${a.kind}, ${a.backend})`],
    ['trained', `${a.createdAt} in ${a.trainSeconds.toFixed(1)} s`],
    ['for-you NDCG / recall', `${metric(a, 'for_you', 'ndcg_at_')?.toFixed(4) ?? '–'} / ${metric(a, 'for_you', 'recall_at_')?.toFixed(4) ?? '–'}`],
    ['discover recall (new items)', metric(a, 'discover', 'recall_new_at_')?.toFixed(4) ?? '–'],
    ['intent AUC', intentAuc(a)?.toFixed(4) ?? '–'],
    ['decision', a.decision],
  ];
  return `<table class="kv" id="active-model">${rows.map(([k, v]) => `<tr><th>${esc(k)}</th><td>${esc(v)}</td></tr>`).join('')}</table>`;
}

function queueTable(queues: QueueHealth[]): string {
  const cols = ['waiting', 'active', 'waiting-children', 'delayed', 'failed', 'completed'];
  const rows = queues.map((q) => {
    const waiting = q.counts.waiting ?? 0;
    // Work waiting with nobody to take it, or failures to look at, is what ops must see first.
    const state = waiting > 0 && q.workers === 0 ? ['no worker', 'bad'] : (q.counts.failed ?? 0) > 0 ? ['failures', 'warn'] : ['ok', 'good'];
    return `<tr><td>${esc(q.name)}</td>${cols.map((c) => `<td class="num">${q.counts[c] ?? 0}</td>`).join('')}<td class="num">${q.workers}</td><td class="${state[1]}">${state[0]}</td></tr>`;
  });
  return `<table id="queues"><tr><th>queue</th>${cols.map((c) => `<th>${esc(c)}</th>`).join('')}<th>workers</th><th>health</th></tr>${rows.join('')}</table>`;
}

const STYLE = `body{font:14px system-ui,sans-serif;margin:24px;color:#111;max-width:1400px}h1{font-size:20px}h2{font-size:16px;margin-top:28px}
.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:24px}figure{margin:0}figcaption{font-weight:600;margin-bottom:4px}
svg.chart{width:100%;height:auto;background:#fafafa;border:1px solid #e5e7eb}svg text{font-size:11px;fill:#374151}svg .grid{stroke:#e5e7eb}
svg .marked{font-weight:700;fill:#111}.bar{fill:#2563eb}.bar.failed{fill:#dc2626}.bar.running{fill:#d97706}.bar.pruned{fill:#9ca3af}
table{border-collapse:collapse}td,th{border-bottom:1px solid #e5e7eb;padding:4px 10px;text-align:left}.num{text-align:right}
.good{color:#16a34a}.warn{color:#d97706}.bad{color:#dc2626;font-weight:700}.empty{color:#6b7280}nav a{margin-right:16px}`;

/** The whole page (server-rendered, refreshed by the browser every 30 s). */
export function renderOpsPage(d: OpsData, boardPath: string): string {
  const models = [...d.models].reverse(); // oldest first, left to right
  const xs = models.map((m) => `v${m.version}`);
  const series: Series[] = [
    { name: 'for-you NDCG', values: models.map((m) => metric(m, 'for_you', 'ndcg_at_')) },
    { name: 'for-you recall', values: models.map((m) => metric(m, 'for_you', 'recall_at_')) },
    { name: 'discover recall (new)', values: models.map((m) => metric(m, 'discover', 'recall_new_at_')) },
    { name: 'intent AUC', values: models.map(intentAuc) },
  ];
  const active = d.models.find((m) => m.status === 'active');
  const runs = barChart('Last runs: duration (seconds)', d.runs.map((r) => ({
    label: `#${r.runId} ${r.kind}${r.modelVersion === null ? '' : ` v${r.modelVersion}`} ${r.status}`,
    value: r.seconds ?? 0, tone: r.status, note: `started ${r.startedAt}, ${r.users} customers`,
  })), ' s');
  const segments = barChart(d.segments ? `Segment sizes (run #${d.segments.runId}, published ${d.segments.publishedAt})` : 'Segment sizes',
    (d.segments?.segments ?? []).map((s) => ({ label: s.label, value: s.size, note: s.description })));
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="30">
<title>ShopIntent ops</title><link rel="icon" href="data:,"><style>${STYLE}</style></head><body>
<h1>ShopIntent ops</h1>
<nav><a href="${esc(boardPath)}">Bull Board (queues and jobs)</a><a href="/v1/models">Model registry (JSON)</a><a href="/readyz">Readiness</a></nav>
<p class="empty">generated ${esc(d.generatedAt)}</p>
<h2>Active model</h2>${activeModel(d.models)}
<div class="grid2">
${lineChart('Holdout metrics by model version', xs, series, active ? `v${active.version}` : undefined)}
${segments}
</div>
<h2>Runs</h2>${runs}
<h2>Queue health</h2>${queueTable(d.queues)}
</body></html>`;
}

import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { exitWithUsage, parseCli, type CliSpec } from '../config/cli';
import { ML_BACKENDS } from '../config/schema';
import { evaluateProtocol, selectBackend, type EvalReport, type MethodReport } from '../ml';
import { evaluateCampaigns, type CampaignReport } from '../ml/campaign-eval';
import { loadUciEvents, UCI_NON_PRODUCT_CODES } from './lib/uci-loader';

const CLI = {
  command: 'npm run eval --',
  summary: 'Measures the recommenders and the intent model on the shipped data (time split; tuned on a validation window before it), prints a table and writes the report.',
  options: {
    'split-date': { type: 'string', value: 'YYYY-MM-DD', default: '2011-11-09', description: 'train before it, test on the horizon after it' },
    k: { type: 'string', value: 'K', default: '20', description: 'list length for Recall@K and NDCG@K' },
    horizon: { type: 'string', value: 'DAYS', default: '30', description: 'test window and purchase-intent horizon' },
    file: { type: 'string', value: 'FILE', default: 'data/online-retail/online-retail.csv.gz', description: 'UCI Online Retail events' },
    out: { type: 'string', value: 'FILE', default: 'reports/eval.json', description: 'where the report goes' },
    backend: { type: 'string', value: 'NAME', description: `tfjs backend: auto, ${ML_BACKENDS.join(', ')} (default: ML_BACKEND, else auto)` },
    'no-tune': { type: 'boolean', description: 'skip the validation search (use the default hyper-parameters)' },
    only: { type: 'string', value: 'WHAT', default: 'all', description: '`campaigns`: only the campaign figures, merged into the existing report' },
  },
} as const satisfies CliSpec;

interface Args {
  splitDate: string;
  k: number;
  horizon: number;
  file: string;
  out: string;
  backend: string;
  tune: boolean;
  /** `campaigns`: only the campaign figures, merged into the existing report file */
  only: 'all' | 'campaigns';
}

function parseArgs(argv: string[]): Args {
  const { values } = parseCli(CLI, argv);
  const a: Args = {
    splitDate: values['split-date'], k: Number(values.k), horizon: Number(values.horizon), file: values.file, out: values.out,
    backend: values.backend ?? process.env.ML_BACKEND ?? 'auto', tune: !values['no-tune'], only: values.only === 'campaigns' ? 'campaigns' : 'all',
  };
  if (a.backend !== 'auto' && !(ML_BACKENDS as readonly string[]).includes(a.backend)) exitWithUsage(CLI, `--backend must be auto or one of ${ML_BACKENDS.join(', ')}, not "${a.backend}"`);
  if (!Number.isInteger(a.k) || a.k <= 0) exitWithUsage(CLI, `--k must be a positive integer, not "${values.k}"`);
  if (!(a.horizon > 0)) exitWithUsage(CLI, `--horizon must be a positive number of days, not "${values.horizon}"`);
  if (!/^\d{4}-\d{2}-\d{2}$/.test(a.splitDate) || Number.isNaN(Date.parse(`${a.splitDate}T00:00:00Z`))) exitWithUsage(CLI, `--split-date must be a date (YYYY-MM-DD), not "${a.splitDate}"`);
  if (values.only !== 'all' && values.only !== 'campaigns') exitWithUsage(CLI, `--only takes campaigns or all, not "${values.only}"`);
  return a;
}

const f = (v: number | undefined, d = 4): string => (v === undefined ? '—' : v.toFixed(d));

function row(name: string, m: MethodReport, k: number): string {
  const fy = m.for_you ?? {};
  const cells = [
    name.padEnd(40), f(fy[`recall_at_${k}`]), f(fy[`ndcg_at_${k}`]), f(fy.mrr), f(fy.coverage, 3), f(fy.diversity, 3),
    f(m.discover?.[`recall_new_at_${k}`]), f(m.intent?.auc, 3), m.train_seconds === undefined ? '—' : `${m.train_seconds.toFixed(1)}s`,
  ];
  return cells.map((c, i) => (i === 0 ? c : c.padStart(9))).join(' ');
}

function printTable(r: EvalReport): void {
  const k = r.k;
  const head = ['method'.padEnd(40), `R@${k}`, `NDCG@${k}`, 'MRR', 'cov', 'div', `dR@${k}new`, 'intAUC', 'train'];
  console.log(head.map((c, i) => (i === 0 ? c : c.padStart(9))).join(' '));
  for (const [name, m] of Object.entries(r.baselines)) console.log(row(`baseline ${name}`, m, k));
  for (const [name, m] of Object.entries(r.sources)) console.log(row(`source ${name}`, m, k));
  console.log(row('CHAMPION (ranker)', { ...r, intent: r.intent }, k));
}

function printCampaigns(c: CampaignReport): void {
  const beat = (a: number, b: number): string => (a > b ? 'beats' : 'does NOT beat');
  console.log(`campaigns: ${c.segments.count} segments, ${(c.segments.moved_share * 100).toFixed(2)}% of ${c.segments.customers} customers moved between two nightly runs`);
  console.log(`  at-risk (no purchase in 90 days, ${c.at_risk.customers} customers, ${c.at_risk.method}): AUC ${f(c.at_risk.auc)} ${beat(c.at_risk.auc, c.at_risk.recency_auc)} recency alone ${f(c.at_risk.recency_auc)}`);
  console.log(`  audiences (${c.audiences.items} best sellers of the test window): precision@100 ${f(c.audiences.precision_at_100)} ${beat(c.audiences.precision_at_100, c.audiences.baseline_precision_at_100)} past buyers then most active ${f(c.audiences.baseline_precision_at_100)}`);
  console.log(`  new-in (${c.new_in.new_items} items first sold in the 30 days before the cut, ${c.new_in.test_users} customers): Recall@10 ${f(c.new_in.recall_at_10)} ${beat(c.new_in.recall_at_10, c.new_in.baseline_recall_at_10)} early sales ${f(c.new_in.baseline_recall_at_10)}`);
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const backend = await selectBackend(args.backend as Parameters<typeof selectBackend>[0]);
  console.log(`tfjs backend: ${backend}`);
  const t = Date.now();
  const data = await loadUciEvents(args.file);
  console.log(`loaded ${data.events.length} events from ${args.file} in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  const splitTs = Date.parse(`${args.splitDate}T00:00:00Z`);
  // EVALUATION.md counts the split + horizon day as a test day, so the last calendar day is included.
  const testEndTs = splitTs + (args.horizon + 1) * 86_400_000;
  const t1 = Date.now();
  const campaigns = await evaluateCampaigns(data.events, {
    splitTs, testEndTs, excludedItemIds: [...UCI_NON_PRODUCT_CODES], items: data.items, log: (m) => console.log(`  ${m}`),
  });
  console.log(`campaign figures in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  if (args.only === 'campaigns') {
    const old = existsSync(args.out) ? (JSON.parse(readFileSync(args.out, 'utf8')) as Record<string, unknown>) : {};
    mkdirSync(dirname(args.out), { recursive: true });
    writeFileSync(args.out, JSON.stringify({ ...old, ...campaigns }, null, 2));
    printCampaigns(campaigns);
    console.log(`wrote the campaign figures into ${args.out}`);
    return;
  }
  const report = await evaluateProtocol(data.events, {
    splitTs, k: args.k, horizonDays: args.horizon, excludedItemIds: [...UCI_NON_PRODUCT_CODES], backend, items: data.items,
    tune: args.tune, log: (m) => console.log(`  ${m}`),
  });
  console.log('');
  console.log(`split ${args.splitDate}, K=${args.k}, horizon ${args.horizon} days, backend ${backend}; ${JSON.stringify(report.counts)}`);
  printTable(report);
  console.log('');
  console.log(`Hyper-parameters were chosen on the validation window only (the ${args.horizon} days before the split; ` +
    `rankers trained on the window before it); the test window was never used for tuning. Chosen: ${report.validation.chosen}.`);
  for (const c of report.validation.candidates) {
    console.log(`  validation ${c.name.padEnd(14)} NDCG@${args.k} ${f(c.ndcg)} R@${args.k} ${f(c.recall)} discover R@${args.k}-new ${f(c.recall_new)}`);
  }
  const ivAuc = Object.entries(report.intent.validation_auc).map(([n, v]) => `${n} ${f(v)}`).join(', ');
  console.log(`intent scorer: ${report.intent.scorer}, picked by AUC on the last pre-split window (${ivAuc || 'no candidates'}), then refitted with that window included and Platt-calibrated on it.`);
  console.log(`champion intent: AUC ${f(report.intent.auc)}, Brier ${f(report.intent.brier)}; reliability (predicted → observed, n):`);
  for (const b of report.intent.reliability) {
    if (b.count > 0) console.log(`  [${b.lo.toFixed(1)}, ${b.hi.toFixed(1)})  ${f(b.meanPredicted, 3)} → ${f(b.observedRate, 3)}  n=${b.count}`);
  }
  const ceiling = report.baselines.intent_ceiling_5fold_on_test?.intent?.auc;
  if (ceiling !== undefined) {
    console.log(`intent ceiling: every intent feature fitted on the test window itself (5-fold, as logistic_rfm_5fold) reaches AUC ${f(ceiling)}; ` +
      'not a model, a bound on what these features carry here.');
  }
  console.log(`champion train ${report.train_seconds.toFixed(1)} s (validation search ${report.tune_seconds.toFixed(1)} s)`);
  console.log(report.fallbacks.length === 0 ? 'fallbacks: none (full history)' : `fallbacks:\n  ${report.fallbacks.join('\n  ')}`);
  printCampaigns(campaigns);
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, JSON.stringify({ ...report, ...campaigns }, null, 2));
  console.log(`wrote ${args.out}`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

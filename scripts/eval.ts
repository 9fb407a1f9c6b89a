import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { evaluateProtocol, selectBackend, type EvalReport, type MethodReport } from '../ml';
import { evaluateCampaigns, type CampaignReport } from '../ml/campaign-eval';
import { loadUciEvents, UCI_NON_PRODUCT_CODES } from './lib/uci-loader';

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
  const a: Args = {
    splitDate: '2011-11-09', k: 20, horizon: 30, file: 'data/online-retail/online-retail.csv.gz', out: 'reports/eval.json',
    backend: process.env.ML_BACKEND ?? 'auto', tune: true, only: 'all',
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2);
    const val = (): string => inline ?? argv[++i] ?? '';
    switch (flag) {
      case '--split-date': a.splitDate = val(); break;
      case '--k': a.k = Number(val()); break;
      case '--horizon': a.horizon = Number(val()); break;
      case '--file': a.file = val(); break;
      case '--out': a.out = val(); break;
      case '--backend': a.backend = val(); break;
      case '--no-tune': a.tune = false; break;
      case '--only': {
        const v = val();
        if (v !== 'campaigns' && v !== 'all') throw new Error('--only takes campaigns or all');
        a.only = v;
        break;
      }
      case undefined:
      default: throw new Error(`unknown option ${flag ?? ''} (use --split-date, --k, --horizon, --file, --out, --backend, --no-tune, --only campaigns)`);
    }
  }
  if (!Number.isInteger(a.k) || a.k <= 0 || !(a.horizon > 0) || Number.isNaN(Date.parse(`${a.splitDate}T00:00:00Z`))) {
    throw new Error('bad --k, --horizon or --split-date');
  }
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

/**
 * The evaluation protocol on a shop's data (`npm run eval -- --help` lists the options):
 *   npm run eval                                   UCI Online Retail as EVALUATION.md says, with the campaign
 *                                                  figures → reports/eval.json
 *   npm run eval -- --only campaigns               only the campaign figures, merged into reports/eval.json
 *   npm run eval -- --file F --mapping M           any shop's events file, read through an ingest mapping; the
 *                                                  holdout is picked as train picks it → reports/eval-<name>.json
 *   npm run eval -- --shapes [--scale F] [--only grocery,tiny,uci]
 *                                                  every shop shape and UCI, one child process each → reports/shops.json
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { exitWithUsage, parseCli, type CliSpec } from '../config/cli';
import { ML_BACKENDS } from '../config/schema';
import { cleanEvents, cutDay, evaluateRolling, forwardBasis, forwardLines, planCuts, planHoldout, selectBackend, type EvalReport, type HoldoutPlan } from '../ml';
import { evaluateProtocol } from '../ml/eval/protocol';
import { countTestUsers } from '../ml/holdout';
import { evaluateCampaigns, type CampaignReport } from '../ml/campaign-eval';
import { loadEventsFile } from './lib/file-events';
import { printByPopularity, printSelection, printTable } from './lib/eval-report';
import { runShapes } from './lib/eval-shapes';
import { loadUciEvents, UCI_NON_PRODUCT_CODES } from './lib/uci-loader';

const UCI_FILE = 'data/online-retail/online-retail.csv.gz';
const DAY = 86_400_000;

const CLI = {
  command: 'npm run eval --',
  summary: 'Measures the recommenders, the intent model and the campaign outputs on a shop\'s data (time split; tuned on a validation window before it), prints a table and writes the report.',
  options: {
    file: { type: 'string', value: 'FILE', default: UCI_FILE, description: 'the events file (UCI Online Retail unless --mapping says how to read another)' },
    mapping: { type: 'string', value: 'NAME|JSON', description: 'read --file through this ingest mapping (a preset name or a JSON mapping)' },
    shapes: { type: 'boolean', description: 'every shop shape and UCI, each in its own process → reports/shops.json' },
    scale: { type: 'string', value: 'F', default: '1', description: 'with --shapes: the shapes\' size relative to their presets' },
    only: { type: 'string', value: 'LIST', description: 'with --shapes: these shapes (comma list, `uci` included); on UCI: `campaigns` for only the campaign figures' },
    'split-date': { type: 'string', value: 'YYYY-MM-DD', description: 'train before it, test on the horizon after it (UCI: 2011-11-09; other files: picked like train)' },
    k: { type: 'string', value: 'K', default: '20', description: 'list length for Recall@K and NDCG@K' },
    horizon: { type: 'string', value: 'DAYS', default: '30', description: 'test window and purchase-intent horizon' },
    out: { type: 'string', value: 'FILE', description: 'where the report goes (default reports/eval.json, reports/eval-<file>.json or reports/shops.json)' },
    backend: { type: 'string', value: 'NAME', description: `tfjs backend: auto, ${ML_BACKENDS.join(', ')} (default: ML_BACKEND, else auto)` },
    'no-tune': { type: 'boolean', description: 'skip the validation search (use the default hyper-parameters)' },
    cuts: { type: 'string', value: 'N', default: '3', description: 'rolling origin (--file, --shapes): holdout cuts, one test window apart; choices are made on them pooled (as train\'s HOLDOUT_CUT_POINTS)' },
    'excluded-items': { type: 'string', value: 'A,B', description: 'item ids left out of every model (UCI: its non-product codes)' },
  },
} as const satisfies CliSpec;

interface Args {
  splitDate: string | null;
  k: number;
  horizon: number;
  file: string;
  mapping: string | null;
  out: string | null;
  backend: string;
  tune: boolean;
  excluded: string[] | null;
  shapes: boolean;
  scale: number;
  only: string[] | null;
  cuts: number;
}

function parseArgs(argv: string[]): Args {
  const { values } = parseCli(CLI, argv);
  const a: Args = {
    splitDate: values['split-date'] ?? null, k: Number(values.k), horizon: Number(values.horizon), file: values.file, mapping: values.mapping ?? null,
    out: values.out ?? null, backend: values.backend ?? process.env.ML_BACKEND ?? 'auto', tune: !values['no-tune'],
    excluded: values['excluded-items'] === undefined ? null : values['excluded-items'].split(',').filter(Boolean),
    shapes: values.shapes === true, scale: Number(values.scale), only: values.only === undefined ? null : values.only.split(',').filter(Boolean),
    cuts: Number(values.cuts),
  };
  if (!Number.isInteger(a.cuts) || a.cuts < 1 || a.cuts > 6) exitWithUsage(CLI, `--cuts must be an integer from 1 to 6, not "${values.cuts}"`);
  if (a.backend !== 'auto' && !(ML_BACKENDS as readonly string[]).includes(a.backend)) exitWithUsage(CLI, `--backend must be auto or one of ${ML_BACKENDS.join(', ')}, not "${a.backend}"`);
  if (!Number.isInteger(a.k) || a.k <= 0) exitWithUsage(CLI, `--k must be a positive integer, not "${values.k}"`);
  if (!(a.horizon > 0)) exitWithUsage(CLI, `--horizon must be a positive number of days, not "${values.horizon}"`);
  if (!(a.scale > 0)) exitWithUsage(CLI, `--scale must be above 0, not "${values.scale}"`);
  if (a.splitDate !== null && (!/^\d{4}-\d{2}-\d{2}$/.test(a.splitDate) || Number.isNaN(Date.parse(`${a.splitDate}T00:00:00Z`)))) {
    exitWithUsage(CLI, `--split-date must be a date (YYYY-MM-DD), not "${a.splitDate}"`);
  }
  return a;
}

const f = (v: number | undefined, d = 4): string => (v === undefined ? '—' : v.toFixed(d));

function write(out: string, report: object): void {
  mkdirSync(dirname(out), { recursive: true });
  writeFileSync(out, JSON.stringify(report, null, 2));
  console.log(`wrote ${out}`);
}

/** Peak resident memory of this process so far, MB. */
const peakRssMb = (): number => Math.round(process.resourceUsage().maxRSS / 1024);

function printDetails(report: EvalReport, horizon: number): void {
  console.log('');
  console.log(`Hyper-parameters were chosen on the validation window only (the ${horizon} days before the split; ` +
    `rankers trained on the window before it); the test window was never used for tuning. Chosen: ${report.validation.chosen}.`);
  for (const c of report.validation.candidates) {
    console.log(`  validation ${c.name.padEnd(14)} NDCG@${report.k} ${f(c.ndcg)} R@${report.k} ${f(c.recall)} discover R@${report.k}-new ${f(c.recall_new)}`);
  }
  const ivAuc = Object.entries(report.intent.validation_auc).map(([n, v]) => `${n} ${f(v)}`).join(', ');
  console.log(`intent scorer: ${report.intent.scorer}, picked by AUC on the last pre-split window (${ivAuc || 'no candidates'}), then refitted with that window included and Platt-calibrated on it.`);
  const rfm = report.intent.rfm_logistic_auc;
  console.log(`intent published: ${report.intent.served} (${report.intent.kind}): ${report.intent.note}`);
  console.log(`intent AUC ${f(report.intent.auc)} (learned scorer ${f(report.intent.model_auc)}, RFM logistic ${rfm === null ? '—' : f(rfm)}), ` +
    `Brier ${f(report.intent.brier)}; reliability (predicted → observed, n):`);
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
  console.log('');
  printSelection(report);
  printRolling(report);
}

/** Every cut of a rolling-origin holdout and the pooled spread of what each list serves. */
function printRolling(report: EvalReport): void {
  const r = report.rolling;
  if (!r) return;
  console.log(`rolling origin: ${r.note}`);
  for (const c of r.cuts) {
    console.log(`  cut ${cutDay(c.split)}: ${c.test_users} test customers; for-you ${c.for_you?.served ?? '—'} ${f(c.for_you?.served_value)}, ` +
      `discover ${c.discover?.served ?? '—'} ${f(c.discover?.served_value)}; intent AUC learned ${f(c.intent.model_auc)}, RFM logistic ${c.intent.rfm_logistic_auc === null ? '—' : f(c.intent.rfm_logistic_auc)}`);
  }
  if (r.forward) {
    console.log(`  forward check (${forwardBasis(r.forward)}):`);
    for (const l of forwardLines(r.forward)) console.log(`    ${l.line}: ${l.holds ? 'holds' : 'does NOT hold'}`);
  }
  const sel = report.selection;
  if (sel && 'spread' in sel) {
    for (const list of ['for_you', 'discover'] as const) {
      const s = sel.spread[list][sel[list].served];
      if (s) console.log(`  ${list} serves ${sel[list].served} on the cuts pooled: ${sel[list].metric} mean ${f(s.mean)} (min ${f(s.min)}, max ${f(s.max)}, std ${f(s.std)})`);
    }
  }
}

function printCampaigns(c: CampaignReport): void {
  const beat = (a: number, b: number): string => (a > b ? 'beats' : 'does NOT beat');
  console.log(`campaigns: ${c.segments.count} segments, ${(c.segments.moved_share * 100).toFixed(2)}% of ${c.segments.customers} customers moved between two nightly runs`);
  console.log(`  at-risk (no purchase in 90 days, ${c.at_risk.customers} customers, ${c.at_risk.method}): AUC ${f(c.at_risk.auc)} ${beat(c.at_risk.auc, c.at_risk.recency_auc)} recency alone ${f(c.at_risk.recency_auc)}`);
  console.log(`  audiences (${c.audiences.items} best sellers of the test window): precision@100 ${f(c.audiences.precision_at_100)} ${beat(c.audiences.precision_at_100, c.audiences.baseline_precision_at_100)} past buyers then most active ${f(c.audiences.baseline_precision_at_100)}`);
  console.log(`  new-in (${c.new_in.new_items} items first sold in the 30 days before the cut, ${c.new_in.test_users} customers): Recall@10 ${f(c.new_in.recall_at_10)} ${beat(c.new_in.recall_at_10, c.new_in.baseline_recall_at_10)} early sales ${f(c.new_in.baseline_recall_at_10)}`);
}

/** UCI Online Retail exactly as EVALUATION.md says (its cleaning, split date and item exclusions), with the campaign figures. */
async function runUci(args: Args, backend: Awaited<ReturnType<typeof selectBackend>>): Promise<void> {
  const started = Date.now();
  const data = await loadUciEvents(args.file);
  console.log(`loaded ${data.events.length} events from ${args.file} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const splitDate = args.splitDate ?? '2011-11-09';
  const splitTs = Date.parse(`${splitDate}T00:00:00Z`);
  const excludedItemIds = args.excluded ?? [...UCI_NON_PRODUCT_CODES];
  // EVALUATION.md counts the split + horizon day as a test day, so the last calendar day is included.
  const campaigns = await evaluateCampaigns(data.events, {
    splitTs, testEndTs: splitTs + (args.horizon + 1) * DAY, excludedItemIds, items: data.items, log: (m) => console.log(`  ${m}`),
  });
  const out = args.out ?? 'reports/eval.json';
  if (args.only?.includes('campaigns')) {
    const old = existsSync(out) ? (JSON.parse(readFileSync(out, 'utf8')) as Record<string, unknown>) : {};
    printCampaigns(campaigns);
    write(out, { ...old, ...campaigns });
    return;
  }
  const protocol = { name: 'last-horizon' as const, note: `EVALUATION.md's split ${splitDate}, the following ${args.horizon} days` };
  const common = { k: args.k, horizonDays: args.horizon, excludedItemIds, backend, items: data.items, tune: args.tune, byPopularity: true, log: (m: string) => console.log(`  ${m}`), protocol };
  const testEndTs = splitTs + (args.horizon + 1) * DAY;
  // reports/eval.json is EVALUATION.md's single split; a named report (the shapes run) adds the older cuts.
  let report: EvalReport;
  if (args.out === null) {
    report = await evaluateProtocol(data.events, { ...common, splitTs, testEndTs });
  } else {
    const clean = cleanEvents(data.events, { excludedItemIds });
    const plan: HoldoutPlan = {
      protocol: 'last-horizon', splitTs, testFromTs: splitTs, testEndTs, testDays: args.horizon, testUsers: countTestUsers(clean, splitTs, splitTs, testEndTs), note: protocol.note,
    };
    const cuts = planCuts(clean, args.horizon, plan, args.cuts);
    console.log(`rolling origin: ${cuts.note}`);
    report = await evaluateRolling(data.events, cuts, common, evaluateProtocol);
  }
  console.log('');
  console.log(`split ${splitDate}, K=${args.k}, horizon ${args.horizon} days, backend ${backend}; ${JSON.stringify(report.counts)}`);
  printTable(report);
  printDetails(report, args.horizon);
  printByPopularity(report);
  printCampaigns(campaigns);
  if (args.out === null) {
    // reports/eval.json keeps the keys it has always had (plus the campaign figures); the serving comparison goes to the console (and shops.json).
    const { selection: _selection, protocol: _protocol, ...stable } = report;
    const { candidates: _candidates, fit: _fit, halves: _halves, ...intent } = report.intent;
    write('reports/eval.json', { ...stable, intent, ...campaigns });
  } else {
    write(args.out, {
      ...report, file: args.file, mapping: 'uci-online-retail', cut_points: report.rolling?.cut_points ?? [new Date(splitTs).toISOString()],
      seconds: (Date.now() - started) / 1000, peak_rss_mb: peakRssMb(),
    });
  }
}

/** Any shop's events file through an ingest mapping, with the holdout train would pick. */
async function runFile(args: Args, mapping: string, backend: Awaited<ReturnType<typeof selectBackend>>): Promise<void> {
  const started = Date.now();
  const data = await loadEventsFile(args.file, mapping);
  console.log(`read ${data.rowsRead} rows from ${args.file} through mapping ${mapping}: ${data.events.length} events, ${data.rowsRejected} rejected ` +
    `${JSON.stringify(data.rejectsByReason)} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const excludedItemIds = args.excluded ?? [];
  const clean = cleanEvents(data.events, { excludedItemIds });
  let plan = planHoldout(clean, args.horizon);
  if (args.splitDate !== null) {
    const splitTs = Date.parse(`${args.splitDate}T00:00:00Z`);
    const testEndTs = splitTs + (args.horizon + 1) * DAY;
    plan = {
      protocol: 'last-horizon', splitTs, testFromTs: splitTs, testEndTs, testDays: args.horizon, testUsers: countTestUsers(clean, splitTs, splitTs, testEndTs),
      note: `split given: ${args.splitDate}`,
    };
  }
  const cuts = planCuts(clean, args.horizon, plan, args.cuts);
  console.log(`holdout: ${plan.protocol}: ${plan.note}; ${cuts.note}`);
  const report = await evaluateRolling(data.events, cuts, {
    protocol: { name: plan.protocol, note: plan.note }, k: args.k, horizonDays: args.horizon, excludedItemIds, backend, tune: args.tune,
    log: (m) => console.log(`  ${m}`),
    // The newest cut runs the whole harness, with the figures by item popularity.
  }, (ev, o) => evaluateProtocol(ev, { ...o, byPopularity: true }));
  console.log('');
  console.log(`K=${args.k}, horizon ${args.horizon} days, backend ${backend}; ${JSON.stringify(report.counts)}`);
  printTable(report);
  printDetails(report, args.horizon);
  printByPopularity(report);
  write(args.out ?? `reports/eval-${basename(args.file).replace(/\..*$/, '')}.json`, {
    ...report, file: args.file, mapping, rows: { read: data.rowsRead, rejected: data.rowsRejected, events: data.events.length },
    cut_points: report.rolling?.cut_points ?? [], seconds: (Date.now() - started) / 1000, peak_rss_mb: peakRssMb(),
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.shapes) {
    await runShapes({ scale: args.scale, only: args.only, k: args.k, horizon: args.horizon, tune: args.tune, backend: args.backend, cuts: args.cuts, out: args.out ?? 'reports/shops.json' });
    return;
  }
  const backend = await selectBackend(args.backend as Parameters<typeof selectBackend>[0]);
  console.log(`tfjs backend: ${backend}`);
  if (args.mapping === null) await runUci(args, backend);
  else await runFile(args, args.mapping, backend);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});

/**
 * The evaluation protocol on a shop's data:
 *   npm run eval                                   UCI Online Retail as EVALUATION.md says → reports/eval.json
 *   npm run eval -- --file F --mapping M           any shop's events file, read through an ingest mapping; the
 *                                                  holdout is picked as train picks it → reports/eval-<name>.json
 *   npm run eval -- --shapes [--scale F] [--only grocery,tiny,uci]
 *                                                  every shop shape and UCI, one child process each → reports/shops.json
 * Options: --split-date, --k, --horizon, --out, --backend, --no-tune, --excluded-items A,B.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { cleanEvents, evaluateProtocol, planHoldout, selectBackend, type EvalReport } from '../ml';
import { loadEventsFile } from './lib/file-events';
import { printSelection, printTable } from './lib/eval-report';
import { runShapes } from './lib/eval-shapes';
import { loadUciEvents, UCI_NON_PRODUCT_CODES } from './lib/uci-loader';

const UCI_FILE = 'data/online-retail/online-retail.csv.gz';
const DAY = 86_400_000;

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
}

function parseArgs(argv: string[]): Args {
  const a: Args = {
    splitDate: null, k: 20, horizon: 30, file: UCI_FILE, mapping: null, out: null, backend: process.env.ML_BACKEND ?? 'auto', tune: true,
    excluded: null, shapes: false, scale: 1, only: null,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i]!.split('=', 2);
    const val = (): string => inline ?? argv[++i] ?? '';
    switch (flag) {
      case '--split-date': a.splitDate = val(); break;
      case '--k': a.k = Number(val()); break;
      case '--horizon': a.horizon = Number(val()); break;
      case '--file': a.file = val(); break;
      case '--mapping': a.mapping = val(); break;
      case '--out': a.out = val(); break;
      case '--backend': a.backend = val(); break;
      case '--no-tune': a.tune = false; break;
      case '--excluded-items': a.excluded = val().split(',').filter(Boolean); break;
      case '--shapes': a.shapes = true; break;
      case '--scale': a.scale = Number(val()); break;
      case '--only': a.only = val().split(',').filter(Boolean); break;
      case undefined:
      default: throw new Error(`unknown option ${flag ?? ''} (use --file, --mapping, --shapes, --scale, --only, --split-date, --k, --horizon, --out, --backend, --no-tune, --excluded-items)`);
    }
  }
  if (!Number.isInteger(a.k) || a.k <= 0 || !(a.horizon > 0) || !(a.scale > 0) || (a.splitDate !== null && Number.isNaN(Date.parse(`${a.splitDate}T00:00:00Z`)))) {
    throw new Error('bad --k, --horizon, --scale or --split-date');
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
  console.log('');
  printSelection(report);
}

/** UCI Online Retail exactly as EVALUATION.md says (its cleaning, split date and item exclusions). */
async function runUci(args: Args, backend: Awaited<ReturnType<typeof selectBackend>>): Promise<void> {
  const started = Date.now();
  const data = await loadUciEvents(args.file);
  console.log(`loaded ${data.events.length} events from ${args.file} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const splitDate = args.splitDate ?? '2011-11-09';
  const splitTs = Date.parse(`${splitDate}T00:00:00Z`);
  const report = await evaluateProtocol(data.events, {
    splitTs, k: args.k, horizonDays: args.horizon, excludedItemIds: args.excluded ?? [...UCI_NON_PRODUCT_CODES], backend, items: data.items,
    tune: args.tune, log: (m) => console.log(`  ${m}`),
    protocol: { name: 'last-horizon', note: `EVALUATION.md's split ${splitDate}, the following ${args.horizon} days` },
  });
  console.log('');
  console.log(`split ${splitDate}, K=${args.k}, horizon ${args.horizon} days, backend ${backend}; ${JSON.stringify(report.counts)}`);
  printTable(report);
  printDetails(report, args.horizon);
  if (args.out === null) {
    // reports/eval.json keeps the keys it has always had; the serving comparison goes to the console (and shops.json).
    const { selection: _selection, protocol: _protocol, ...stable } = report;
    write('reports/eval.json', stable);
  } else {
    write(args.out, { ...report, file: args.file, mapping: 'uci-online-retail', cut_points: [new Date(splitTs).toISOString()], seconds: (Date.now() - started) / 1000, peak_rss_mb: peakRssMb() });
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
    plan = { protocol: 'last-horizon', splitTs, testFromTs: splitTs, testEndTs: splitTs + (args.horizon + 1) * DAY, testDays: args.horizon, testUsers: 0, note: `split given: ${args.splitDate}` };
  }
  console.log(`holdout: ${plan.protocol}: ${plan.note}`);
  const report = await evaluateProtocol(data.events, {
    splitTs: plan.splitTs, testFromTs: plan.testFromTs, testEndTs: plan.testEndTs, heldOutBaskets: plan.heldOutBaskets,
    protocol: { name: plan.protocol, note: plan.note }, k: args.k, horizonDays: args.horizon, excludedItemIds, backend, tune: args.tune,
    log: (m) => console.log(`  ${m}`),
  });
  console.log('');
  console.log(`K=${args.k}, horizon ${args.horizon} days, backend ${backend}; ${JSON.stringify(report.counts)}`);
  printTable(report);
  printDetails(report, args.horizon);
  const cut = plan.protocol === 'last-basket' ? 'each customer\'s last basket' : new Date(plan.splitTs).toISOString();
  write(args.out ?? `reports/eval-${basename(args.file).replace(/\..*$/, '')}.json`, {
    ...report, file: args.file, mapping, rows: { read: data.rowsRead, rejected: data.rowsRejected, events: data.events.length },
    cut_points: [cut], seconds: (Date.now() - started) / 1000, peak_rss_mb: peakRssMb(),
  });
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (args.shapes) {
    await runShapes({ scale: args.scale, only: args.only, k: args.k, horizon: args.horizon, tune: args.tune, backend: args.backend, out: args.out ?? 'reports/shops.json' });
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

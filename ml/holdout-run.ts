import type { MlBackendName } from '../config/schema';
import { fitChampion, scoreIntent, scoreUsers, DEFAULT_CHAMPION_PARAMS, type ChampionModel, type ChampionParams } from './champion';
import { cleanEvents, returnEvents } from './clean';
import { historySpan, requireHistory } from './history';
import { inHeldOutBasket, type HoldoutProtocol } from './holdout';
import { asRfmIntent, type IntentKind, type LabelWindow } from './intent';
import { aucGainSe, chooseIntent, intentHalves, type CutIntent, type IntentChoice, type IntentServed } from './intent-choice';
import type { LabelStatus } from './intent-label';
import { evaluateIntent, evaluateLists, type EvalContext, type ListReport } from './list-eval';
import { LIST_METHODS } from './list-policy';
import { selectLists, type SelectionReport } from './list-selection';
import { reliabilityTable, type ReliabilityBin } from './metrics';
import type { PopularityReport } from './popularity-eval';
import type { PooledSelectionReport } from './pooled-selection';
import type { RollingSummary } from './rolling-origin';
import { buildSnapshot, buyersInWindow, DAY, type Snapshot } from './snapshot';
import { tuneOnValidation, type ValidationReport } from './tuning';
import type { EventRecord, ItemRecord } from './types';
import { windowContext } from './window-context';

/** Figures of one method; list methods fill for_you/discover, intent methods fill intent. */
export interface MethodReport {
  for_you?: Record<string, number>;
  discover?: Record<string, number>;
  intent?: { auc: number; brier?: number };
  train_seconds?: number;
}

/** AUC, Brier score and reliability of one intent scorer on a holdout. */
export interface IntentFigures {
  auc: number;
  brier: number;
  reliability: ReliabilityBin[];
}

/** The holdout's intent figures: those of the scorer it would publish, and what that was compared with. */
export interface IntentReport extends IntentFigures {
  /** the learned scorer picked on the most recent pre-split window, and the AUCs it was picked by */
  scorer: string;
  validation_auc: Record<string, number>;
  /** what is published: the learned scorer, the RFM logistic (it won here) or a rule (degenerate label) */
  served: IntentServed;
  /** how the published scores are marked: `rule` when no label window let a model learn who buys */
  kind: 'model' | 'rule';
  /** the learned scorer's and the RFM logistic's AUC (null: no RFM logistic, the label was degenerate) */
  model_auc: number;
  rfm_logistic_auc: number | null;
  /** DeLong standard error of model_auc − rfm_logistic_auc (null: no RFM logistic, or one class only) */
  auc_gain_se: number | null;
  label: LabelStatus;
  /** customers scored and buyers among them in the test window */
  test_label: { users: number; positives: number };
  /** the cut's intent fit: its scorer kind and the label windows it looked at (newest first) */
  fit: { kind: IntentKind; label_windows: LabelWindow[] };
  note: string;
  /** each scorer's figures here (the served one is copied above) */
  candidates: { model: IntentFigures; rfm_logistic?: IntentFigures };
  /** both scorers compared on each half of the customers (alternate ones): a single cut's forward check */
  halves: [CutIntent, CutIntent];
}

/** Everything `npm run eval` prints and the train job stores in the registry. */
export interface EvalReport {
  for_you: Record<string, number>;
  discover: Record<string, number>;
  intent: IntentReport;
  train_seconds: number;
  tune_seconds: number;
  backend: MlBackendName;
  k: number;
  split_ts: number;
  horizon_days: number;
  counts: { train_events: number; users: number; items: number; test_users: number; intent_users: number; intent_positives: number };
  /**
   * production: the single-method lists as the selection measured them, the simple intent rules and the RFM
   * logistic; the harness replaces the lists with its reference rows and adds its 5-fold intent rows
   */
  baselines: Record<string, MethodReport>;
  /** each candidate source of the champion scored alone (harness only; empty from production train) */
  sources: Record<string, MethodReport>;
  /** validation-window figures that chose the hyper-parameters (test window never consulted) */
  validation: ValidationReport;
  params: ChampionParams;
  /** degraded paths taken on short or thin data (protocol and champion fit); empty on healthy data */
  fallbacks: string[];
  /** which holdout ran (see holdout.ts) and, when run, which list each served list uses and why */
  protocol?: { name: HoldoutProtocol; note: string };
  selection?: SelectionReport | PooledSelectionReport;
  /** harness only (`npm run eval`): figures by item popularity bucket, capped item-item vs whole catalogue */
  by_popularity?: PopularityReport;
  /** rolling origin: every cut's figures and the spread; the choices above were made on the cuts pooled */
  rolling?: RollingSummary;
}

/** Options of {@link evaluateCut} (and of the harness's evaluateProtocol). */
export interface ProtocolOptions {
  splitTs: number;
  k: number;
  horizonDays: number;
  excludedItemIds?: string[];
  backend: MlBackendName;
  items?: readonly ItemRecord[];
  /** end of the test window (exclusive); default: split + horizon with that last calendar day included */
  testEndTs?: number;
  /** start of the test window (default: the split); −Infinity with `heldOutBaskets` */
  testFromTs?: number;
  /**
   * last-basket protocol (holdout.ts): each customer's held-out basket key. Those baskets (every event in them)
   * leave the training data and are the truth; the split is then the end of the data.
   */
  heldOutBaskets?: ReadonlyMap<string, string>;
  /** the holdout protocol's name and note, copied into the report */
  protocol?: { name: HoldoutProtocol; note: string };
  /** compare the champion with every baseline and blend per list through the serving path (default true) */
  select?: boolean;
  /** run the validation-window search (default true); otherwise `params` (or defaults) are used as given */
  tune?: boolean;
  params?: Partial<ChampionParams>;
  log?: (msg: string) => void;
}

/** What a cut's evaluation built, for the harness's report-only rows. */
export interface CutState {
  /** clean events before the split (models learn from these) and the returns before it */
  train: EventRecord[];
  returns: EventRecord[];
  snap: Snapshot;
  ctx: EvalContext;
  /** snapshot users with a purchase before the split, and whether each bought in the test window */
  pop: number[];
  labels: Float64Array;
  model: ChampionModel;
  /** the champion's lists for the test customers (snapshot item indices) */
  lists: { forYou: Int32Array[]; discover: Int32Array[] };
}

/** Champion lists for the context's users, as snapshot item indices. */
export function championLists(m: ChampionModel, events: readonly EventRecord[], ctx: EvalContext, items?: readonly ItemRecord[]) {
  const uids = ctx.testUsers.map((u) => ctx.snap.userIds[u]!);
  const forYou: Int32Array[] = [];
  const discover: Int32Array[] = [];
  const map = (ids: { itemId: string }[]) => Int32Array.from(ids, (r) => ctx.snap.itemIndex.get(r.itemId) ?? -1);
  for (let s = 0; s < uids.length; s += 2000) {
    for (const r of scoreUsers(m, events, uids.slice(s, s + 2000), { k: ctx.k, items })) {
      forYou.push(map(r.forYou));
      discover.push(map(r.discover));
    }
  }
  return { forYou, discover };
}

/** The single-method lists of a selection as baseline rows (discover's figures are over never-bought items). */
function selectionBaselines(s: SelectionReport, k: number): Record<string, MethodReport> {
  const out: Record<string, MethodReport> = {};
  for (const m of LIST_METHODS) {
    const fy = s.for_you.compared[m];
    const di = s.discover.compared[m];
    if (m === 'champion' || !fy || !di) continue;
    out[m] = {
      for_you: fy,
      discover: { [`recall_new_at_${k}`]: di[`recall_at_${k}`] ?? 0, [`ndcg_new_at_${k}`]: di[`ndcg_at_${k}`] ?? 0, hr_new_at_10: di.hr_at_10 ?? 0 },
    };
  }
  return out;
}

/** The served intent figures under `choice` (the RFM logistic's when it is published, else the learned scorer's). */
export function withIntentChoice(intent: IntentReport, choice: IntentChoice): IntentReport {
  const pick = choice.served === 'rfm_logistic' && intent.candidates.rfm_logistic ? intent.candidates.rfm_logistic : intent.candidates.model;
  return { ...intent, ...pick, served: choice.served, kind: choice.kind, label: choice.label, note: choice.note };
}

/**
 * The production path on one holdout cut: clean, split at `splitTs`, fit the champion on the data before it
 * (with the validation search when `tune`), score the test customers through the serving code, compare per list
 * the champion with every baseline and blend (selection), and the intent scorer with the RFM logistic. Figures
 * are on the window [testFromTs, testEndTs). Only what the choices need runs here; the evaluation harness
 * (ml/eval/) adds its report-only rows on the returned state.
 */
export async function evaluateCut(events: readonly EventRecord[], opts: ProtocolOptions): Promise<{ report: EvalReport; state: CutState }> {
  const log = opts.log ?? (() => undefined);
  const k = opts.k;
  const allClean = cleanEvents(events, { excludedItemIds: opts.excludedItemIds ?? [] });
  // Last-basket: the held-out baskets leave what models learn from and become the truth.
  const held = opts.heldOutBaskets;
  const clean = held ? allClean.filter((e) => !inHeldOutBasket(e, held)) : allClean;
  const testEvents = held ? allClean.filter((e) => inHeldOutBasket(e, held)) : allClean;
  const testFrom = opts.testFromTs ?? opts.splitTs;
  const train = clean.filter((e) => e.ts < opts.splitTs);
  const returns = returnEvents(events, { excludedItemIds: opts.excludedItemIds ?? [] }).filter((e) => e.ts < opts.splitTs);
  const hist = historySpan(train, opts.splitTs);
  requireHistory(hist, 'holdout evaluation');
  const fallbacks: string[] = [];
  const snap = buildSnapshot(clean, opts.splitTs, { returns });
  // EVALUATION.md counts 2011-12-09 (split + 30 days) as a test day, so the last calendar day is included.
  const testEnd = opts.testEndTs ?? opts.splitTs + (opts.horizonDays + 1) * DAY;
  const ctx = windowContext(testEvents, snap, opts.horizonDays, k, testEnd, testFrom);
  log(`split: ${train.length} train events, ${snap.userIds.length} users, ${snap.itemIds.length} items, ${ctx.testUsers.length} test users`);

  const pop: number[] = [];
  for (let u = 0; u < snap.userIds.length; u++) if (snap.user.lines[u]! > 0) pop.push(u);
  const buyers = buyersInWindow(testEvents, testFrom, testEnd);
  const labels = Float64Array.from(pop, (u) => (buyers.has(snap.userIds[u]!) ? 1 : 0));
  const positives = labels.reduce((s, v) => s + v, 0);
  // The simplest intent rules, next to the scorer (one AUC each).
  const baselines: Record<string, MethodReport> = {
    recency: { intent: evaluateIntent(pop.map((u) => -(snap.anchor - snap.user.lastBuyTs[u]!) / DAY), labels) },
    frequency: { intent: evaluateIntent(pop.map((u) => snap.user.baskets[u]!), labels) },
  };

  const base: ChampionParams = { ...DEFAULT_CHAMPION_PARAMS, ...opts.params };
  let t0 = Date.now();
  let params = base;
  let validation: ValidationReport = { chosen: 'defaults (no tuning)', candidates: [] };
  if (opts.tune !== false) {
    // Validation needs a ranker window and a validation window before the split, plus history before both.
    const t = hist.span >= 3 * opts.horizonDays * DAY
      ? await tuneOnValidation(train, opts.splitTs, opts.horizonDays, k, base, opts.items, log) : null;
    if (t) {
      params = t.params;
      validation = t.report;
    } else {
      validation = { chosen: 'defaults (history too short or validation window too thin to tune on)', candidates: [] };
      fallbacks.push('tuning: skipped (history too short or validation window too thin); default hyper-parameters');
    }
  }
  const tuneSeconds = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const model = await fitChampion(train, { asOf: opts.splitTs, k, horizonDays: opts.horizonDays, params, items: opts.items, returns });
  const trainSeconds = (Date.now() - t0) / 1000;
  log(`champion trained in ${trainSeconds.toFixed(1)} s`);
  fallbacks.push(...(model.params.fallbacks ?? []));
  if (ctx.testUsers.length === 0) fallbacks.push('holdout: no known user bought in the test window; list metrics are 0');
  if (held) fallbacks.push('holdout: last basket per customer; intent AUC here only tells customers with another basket from those without, not a forecast');
  const lists = championLists(model, train, ctx, opts.items);
  const champ: ListReport = evaluateLists(ctx, lists.forYou, lists.discover);

  // Intent: the learned scorer and the RFM logistic fitted beside it, through the scoring path, on the same customers.
  const popIds = pop.map((u) => snap.userIds[u]!);
  const variants = model.intent.rfm ? [model.intent, asRfmIntent(model.intent)] : [model.intent];
  const [probs, rfmProbs] = scoreIntent(model, train, popIds, { items: opts.items, returns }, variants);
  const figures = (p: Float64Array): IntentFigures => ({ ...evaluateIntent(p, labels), reliability: reliabilityTable(p, labels) });
  const candidates: IntentReport['candidates'] = { model: figures(probs!), ...(rfmProbs ? { rfm_logistic: figures(rfmProbs) } : {}) };
  const aucSe = aucGainSe(probs!, rfmProbs ?? null, labels);
  const cutIntent: CutIntent = {
    model_auc: candidates.model.auc, rfm_logistic_auc: candidates.rfm_logistic?.auc ?? null, users: pop.length, positives, auc_gain_se: aucSe,
  };
  const halves = intentHalves(probs!, rfmProbs ?? null, labels);
  const choice = chooseIntent([cutIntent], model.intent.kind, model.intent.labelWindows ?? []);
  const intent = withIntentChoice({
    ...candidates.model,
    scorer: `${model.intent.kind ?? 'mlp'}${(model.intent.windowDecay ?? 1) === 1 ? '' : `@${model.intent.windowDecay}`}`,
    validation_auc: model.intent.validationAuc ?? {},
    served: choice.served, kind: choice.kind, model_auc: cutIntent.model_auc, rfm_logistic_auc: cutIntent.rfm_logistic_auc, auc_gain_se: aucSe,
    label: choice.label, test_label: { users: pop.length, positives }, note: choice.note, candidates, halves,
    fit: { kind: model.intent.kind ?? 'mlp', label_windows: model.intent.labelWindows ?? [] },
  }, choice);
  log(`intent: ${choice.note}`);
  if (candidates.rfm_logistic) baselines.rfm_logistic = { intent: { auc: candidates.rfm_logistic.auc, brier: candidates.rfm_logistic.brier } };

  let selection: SelectionReport | undefined;
  if (opts.select !== false && ctx.testUsers.length > 0) {
    const t1 = Date.now();
    selection = selectLists(model, train, ctx, { items: opts.items, returns }).report;
    Object.assign(baselines, selectionBaselines(selection, k));
    log(`list selection (${ctx.testUsers.length} test users, ${((Date.now() - t1) / 1000).toFixed(1)} s): for-you ${selection.for_you.served}, discover ${selection.discover.served}`);
  }

  const report: EvalReport = {
    ...champ,
    intent,
    train_seconds: trainSeconds,
    tune_seconds: tuneSeconds,
    backend: opts.backend,
    k,
    split_ts: opts.splitTs,
    horizon_days: opts.horizonDays,
    counts: {
      train_events: train.length, users: snap.userIds.length, items: snap.itemIds.length, test_users: ctx.testUsers.length,
      intent_users: pop.length, intent_positives: positives,
    },
    baselines,
    sources: {},
    validation,
    params: model.params,
    fallbacks,
    ...(opts.protocol ? { protocol: opts.protocol } : {}),
    ...(selection ? { selection } : {}),
  };
  return { report, state: { train, returns, snap, ctx, pop, labels, model, lists } };
}

import { forwardCheck } from './forward-check';
import { cutDay } from './forward-report';
import { evaluateCut, withIntentChoice, type EvalReport, type ProtocolOptions } from './holdout-run';
import { chooseIntent, type CutIntent } from './intent-choice';
import { poolSelections } from './pooled-selection';
import type { EventRecord } from './types';
import type { CutPlan, RollingSummary } from './rolling-origin';

/** Evaluates one cut: the production path, or the harness's fuller report for the newest cut. */
export type CutEvaluator = (events: readonly EventRecord[], opts: ProtocolOptions) => Promise<EvalReport>;

const productionCut: CutEvaluator = async (events, opts) => (await evaluateCut(events, opts)).report;
const isoOrNull = (ts: number): string | null => (Number.isFinite(ts) ? new Date(ts).toISOString() : null);

/**
 * Rolling origin: runs the holdout at every cut of `plan` (oldest first; `newest` evaluates the newest, by
 * default the production path; a validation search runs once, at the oldest cut that allows it), then makes each choice on the figures pooled over the cuts: per list, the choice with the
 * best customer-weighted NDCG@K; for intent, the RFM logistic when its mean AUC beats the learned scorer's. The
 * report is the newest cut's, with the pooled selection and intent choice in place and every cut in `rolling`.
 */
export async function evaluateRolling(
  events: readonly EventRecord[], plan: CutPlan, opts: Omit<ProtocolOptions, 'splitTs' | 'testFromTs' | 'testEndTs' | 'heldOutBaskets'>,
  newest: CutEvaluator = productionCut,
): Promise<EvalReport> {
  const log = opts.log ?? (() => undefined);
  const reports: EvalReport[] = new Array<EvalReport>(plan.cuts.length);
  // The validation search (when asked for) runs once, at the oldest cut whose history allows it: its window lies
  // before every cut's split, so the newer cuts reuse its ranker setting without seeing their own test windows,
  // and the search's cost is paid once rather than per cut.
  let tune = opts.tune !== false;
  let params = opts.params;
  let tuned: { report: EvalReport['validation']; at: string } | null = null;
  for (let i = plan.cuts.length - 1; i >= 0; i--) {
    const cut = plan.cuts[i]!;
    const tag = `cut ${i + 1}/${plan.cuts.length} (${cutDay(cut.label)})`;
    log(`${tag}: evaluating`);
    const evaluate = i === 0 ? newest : productionCut;
    const r = await evaluate(events, {
      ...opts, params, tune, splitTs: cut.splitTs, testFromTs: cut.testFromTs, testEndTs: cut.testEndTs,
      ...(cut.heldOutBaskets ? { heldOutBaskets: cut.heldOutBaskets } : {}),
      log: (m) => log(`${tag}: ${m}`),
    });
    if (tune && r.validation.candidates.length > 0) {
      tune = false;
      params = { ...opts.params, ranker: r.params.ranker };
      tuned = { report: r.validation, at: cut.label };
    }
    reports[i] = r;
  }
  const first = reports[0]!;
  const cutIntents: CutIntent[] = reports.map((r) => ({
    model_auc: r.intent.model_auc, rfm_logistic_auc: r.intent.rfm_logistic_auc, users: r.intent.test_label.users, positives: r.intent.test_label.positives,
    auc_gain_se: r.intent.auc_gain_se, halves: r.intent.halves,
  }));
  // The newest cut's fit is the closest to the refit (the most history): its scorer kind and label windows,
  // with every cut's test window, say whether a rule is published and whether the label is degenerate.
  const intentChoice = chooseIntent(cutIntents, first.intent.fit.kind, first.intent.fit.label_windows);
  const selections = reports.map((r) => r.selection).filter((s) => s !== undefined);
  const pooled = selections.length === reports.length && selections.length > 0
    ? poolSelections(selections, plan.cuts.map((c) => c.label))
    : first.selection;
  const summary: RollingSummary = {
    note: plan.note,
    requested: plan.requested,
    cut_points: plan.cuts.map((c) => c.label),
    cuts: reports.map((r, i) => ({
      split: plan.cuts[i]!.label,
      test_from: isoOrNull(plan.cuts[i]!.testFromTs),
      test_end: isoOrNull(plan.cuts[i]!.testEndTs),
      test_users: r.counts.test_users,
      train_seconds: r.train_seconds,
      for_you: r.selection ? { served: r.selection.for_you.served, served_value: r.selection.for_you.served_value, champion_value: r.selection.for_you.champion_value } : null,
      discover: r.selection ? { served: r.selection.discover.served, served_value: r.selection.discover.served_value, champion_value: r.selection.discover.champion_value } : null,
      intent: cutIntents[i]!,
    })),
    intent: intentChoice,
    forward: forwardCheck(reports.map((r) => r.selection), cutIntents, plan.cuts.map((c) => c.label), { kind: first.intent.fit.kind, windows: first.intent.fit.label_windows }),
  };
  const validation = tuned && plan.cuts.length > 1
    ? { ...tuned.report, chosen: `${tuned.report.chosen} (searched once, at the cut ${cutDay(tuned.at)}; every cut uses it)` }
    : first.validation;
  return {
    ...first,
    validation,
    intent: withIntentChoice(first.intent, intentChoice),
    ...(pooled ? { selection: pooled } : {}),
    protocol: first.protocol ? { ...first.protocol, note: `${first.protocol.note}; rolling origin: ${plan.note}` } : undefined,
    rolling: summary,
  };
}

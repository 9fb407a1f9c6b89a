import type { ForwardCheck, ForwardIntent, ForwardList } from './forward-report';
import { gainStandardError, type Gains } from './list-gains';
import type { IntentModel, LabelWindow } from './intent';
import { chooseIntent, hasBothClasses, type CutIntent } from './intent-choice';
import type { ListFigures, SelectionReport } from './list-selection';
import { chooseOnFigures, poolSelections } from './pooled-selection';

type ListName = 'for_you' | 'discover';

/** Standard error of `served`'s margin over the baseline `bar` in `gains` (0 when it is that baseline; null when not measured). */
function marginSe(gains: Gains | undefined, served: string, bar: string): number | null {
  if (served === bar) return 0;
  const g = gains?.[served]?.[bar];
  return g ? gainStandardError(g) : null;
}

/** The margin's verdicts: it held (≥ 0), or it did not but by no more than its standard error. */
const verdict = (margin: number, se: number | null): { holds: boolean; within_noise: boolean } =>
  ({ holds: margin >= 0, within_noise: margin < 0 && se !== null && -margin <= se });
/** The intent fit of the newest cut: its scorer kind and label windows (whether a rule is published). */
type IntentFit = { kind: IntentModel['kind']; windows: readonly LabelWindow[] };

/**
 * A single cut has no older cut to choose on: each half of its test customers chooses, and the other half
 * (customers no choice looked at) judges; the figures are the two judged halves averaged.
 */
function halvesList(report: SelectionReport, list: ListName): ForwardList | null {
  const halves = report.halves?.[list];
  if (!halves) return null;
  const metric = report[list].metric;
  const judged = [0, 1].map((h) => {
    const chosen = chooseOnFigures(list, halves[h]!.figures, report.k, halves[h]!.gains).served;
    const other = chooseOnFigures(list, halves[1 - h]!.figures, report.k, halves[1 - h]!.gains);
    const se = marginSe(halves[1 - h]!.gains, chosen, other.best_baseline.name);
    return { chosen, figures: halves[1 - h]!.figures[chosen] ?? {}, bar: other.best_baseline, champion: other.champion_value, se };
  });
  const mean = (f: (j: (typeof judged)[number]) => number): number => (f(judged[0]!) + f(judged[1]!)) / 2;
  const keys = new Set(judged.flatMap((j) => Object.keys(j.figures)));
  const figures: ListFigures = Object.fromEntries([...keys].map((key) => [key, mean((j) => j.figures[key] ?? 0)]));
  const value = figures[metric] ?? 0;
  const bar = mean((j) => j.bar.value);
  const names = (xs: string[]): string => [...new Set(xs)].join(' / ');
  // The two judged halves are disjoint customers: the averaged margin's standard error is half their root sum of squares.
  const se = judged.every((j) => j.se !== null) ? Math.hypot(judged[0]!.se!, judged[1]!.se!) / 2 : null;
  return {
    served: names(judged.map((j) => j.chosen)), metric, value, figures, best_baseline: { name: names(judged.map((j) => j.bar.name)), value: bar },
    champion_value: mean((j) => j.champion), margin_vs_best_baseline: value - bar, margin_se: se, ...verdict(value - bar, se),
  };
}

/** The intent choice made on `chosenOn` alone and judged on `judged`: the published scorer's AUC there against the RFM logistic's. */
function judgeIntent(chosenOn: readonly CutIntent[], judged: CutIntent, fit: IntentFit): ForwardIntent {
  const choice = chooseIntent(chosenOn, fit.kind, fit.windows);
  const measured = hasBothClasses(judged);
  const auc = !measured ? null : choice.served === 'rfm_logistic' ? judged.rfm_logistic_auc : judged.model_auc;
  const rfm = measured ? judged.rfm_logistic_auc : null;
  return { served: choice.served, auc, rfm_logistic_auc: rfm, holds: auc === null || rfm === null ? null : auc >= rfm };
}

/**
 * One cut's intent judged across halves of its customers: each half chooses, the other judges; the AUCs are the
 * two judged halves' averaged (unjudged when either half lacks buyers or non-buyers, or the cut has no halves).
 */
function halvesIntent(cut: CutIntent, fit: IntentFit): ForwardIntent {
  const judged = cut.halves ? [0, 1].map((h) => judgeIntent([cut.halves![h]!], cut.halves![1 - h]!, fit)) : [];
  if (judged.length < 2 || judged.some((j) => j.auc === null || j.rfm_logistic_auc === null)) {
    return { served: chooseIntent([cut], fit.kind, fit.windows).served, auc: null, rfm_logistic_auc: null, holds: null };
  }
  const auc = (judged[0]!.auc! + judged[1]!.auc!) / 2;
  const rfm = (judged[0]!.rfm_logistic_auc! + judged[1]!.rfm_logistic_auc!) / 2;
  return { served: [...new Set(judged.map((j) => j.served))].join(' / '), auc, rfm_logistic_auc: rfm, holds: auc >= rfm };
}

/**
 * Choices made on all cuts but the newest, judged on the newest (all arrays newest first, parallel). With a
 * single cut, they are judged across halves of its customers instead ({@link halvesList}, {@link halvesIntent}).
 * Null without a cut. Lists are judged only when every cut has a selection report.
 */
export function forwardCheck(
  selections: readonly (SelectionReport | undefined)[], intents: readonly CutIntent[], splits: readonly string[],
  fit: IntentFit,
): ForwardCheck | null {
  if (intents.length === 0) return null;
  if (intents.length === 1) {
    const only = selections[0];
    return {
      mode: 'customer halves', judged_on: splits[0] ?? '', chosen_on: splits.slice(0, 1),
      for_you: only ? halvesList(only, 'for_you') : null, discover: only ? halvesList(only, 'discover') : null,
      intent: halvesIntent(intents[0]!, fit),
    };
  }
  const reports = selections.filter((s) => s !== undefined);
  const pooled = reports.length === selections.length && reports.length >= 2 ? poolSelections(reports.slice(1), splits.slice(1)) : null;
  const list = (l: ListName): ForwardList | null => {
    if (!pooled) return null;
    const newest = reports[0]![l];
    const served = pooled[l].served;
    const figures = newest.compared[served] ?? {};
    const value = figures[newest.metric] ?? 0;
    const margin = value - newest.best_baseline.value;
    const se = marginSe(newest.gains, served, newest.best_baseline.name);
    return {
      served, metric: newest.metric, value, figures, best_baseline: newest.best_baseline, champion_value: newest.champion_value,
      margin_vs_best_baseline: margin, margin_se: se, ...verdict(margin, se),
    };
  };
  return {
    mode: 'cuts',
    judged_on: splits[0] ?? '',
    chosen_on: splits.slice(1),
    for_you: list('for_you'),
    discover: list('discover'),
    intent: judgeIntent(intents.slice(1), intents[0]!, fit),
  };
}

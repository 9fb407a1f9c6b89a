import type { ForwardCheck, ForwardList } from './forward-report';
import type { IntentModel, LabelWindow } from './intent';
import { chooseIntent, hasBothClasses, type CutIntent } from './intent-choice';
import type { ListFigures, SelectionReport } from './list-selection';
import { chooseOnFigures, poolSelections } from './pooled-selection';

type ListName = 'for_you' | 'discover';

/**
 * A single cut has no older cut to choose on: each half of its test customers chooses, and the other half
 * (customers no choice looked at) judges; the figures are the two judged halves averaged.
 */
function halvesList(report: SelectionReport, list: ListName): ForwardList | null {
  const halves = report.halves?.[list];
  if (!halves) return null;
  const metric = report[list].metric;
  const judged = [0, 1].map((h) => {
    const chosen = chooseOnFigures(list, halves[h]!, report.k).served;
    const other = chooseOnFigures(list, halves[1 - h]!, report.k);
    return { chosen, figures: halves[1 - h]![chosen] ?? {}, bar: other.best_baseline, champion: other.champion_value };
  });
  const mean = (f: (j: (typeof judged)[number]) => number): number => (f(judged[0]!) + f(judged[1]!)) / 2;
  const keys = new Set(judged.flatMap((j) => Object.keys(j.figures)));
  const figures: ListFigures = Object.fromEntries([...keys].map((key) => [key, mean((j) => j.figures[key] ?? 0)]));
  const value = figures[metric] ?? 0;
  const bar = mean((j) => j.bar.value);
  const names = (xs: string[]): string => [...new Set(xs)].join(' / ');
  return {
    served: names(judged.map((j) => j.chosen)), metric, value, figures, best_baseline: { name: names(judged.map((j) => j.bar.name)), value: bar },
    champion_value: mean((j) => j.champion), margin_vs_best_baseline: value - bar, holds: value >= bar,
  };
}

/**
 * Choices made on all cuts but the newest, judged on the newest (all arrays newest first, parallel). With a
 * single cut, the lists are judged across halves of its test customers instead ({@link halvesList}) and intent
 * is not judged. Null without a cut. Lists are judged only when every cut has a selection report.
 */
export function forwardCheck(
  selections: readonly (SelectionReport | undefined)[], intents: readonly CutIntent[], splits: readonly string[],
  fit: { kind: IntentModel['kind']; windows: readonly LabelWindow[] },
): ForwardCheck | null {
  if (intents.length === 0) return null;
  if (intents.length === 1) {
    const only = selections[0];
    const choice = chooseIntent(intents, fit.kind, fit.windows);
    return {
      mode: 'customer halves', judged_on: splits[0] ?? '', chosen_on: splits.slice(0, 1),
      for_you: only ? halvesList(only, 'for_you') : null, discover: only ? halvesList(only, 'discover') : null,
      intent: { served: choice.served, auc: null, rfm_logistic_auc: null, holds: null },
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
    return {
      served, metric: newest.metric, value, figures, best_baseline: newest.best_baseline, champion_value: newest.champion_value,
      margin_vs_best_baseline: margin, holds: margin >= 0,
    };
  };
  const choice = chooseIntent(intents.slice(1), fit.kind, fit.windows);
  const newest = intents[0]!;
  const measured = hasBothClasses(newest);
  const auc = !measured ? null : choice.served === 'rfm_logistic' ? newest.rfm_logistic_auc : newest.model_auc;
  const rfm = measured ? newest.rfm_logistic_auc : null;
  return {
    mode: 'cuts',
    judged_on: splits[0] ?? '',
    chosen_on: splits.slice(1),
    for_you: list('for_you'),
    discover: list('discover'),
    intent: { served: choice.served, auc, rfm_logistic_auc: rfm, holds: auc === null || rfm === null ? null : auc >= rfm },
  };
}

import type { ForwardCheck, ForwardList } from './forward-report';
import type { IntentModel, LabelWindow } from './intent';
import { chooseIntent, hasBothClasses, type CutIntent } from './intent-choice';
import type { SelectionReport } from './list-selection';
import { poolSelections } from './pooled-selection';

/**
 * Choices made on all cuts but the newest, judged on the newest (all arrays newest first, parallel). Null with
 * fewer than two cuts. Lists are judged only when every cut has a selection report.
 */
export function forwardCheck(
  selections: readonly (SelectionReport | undefined)[], intents: readonly CutIntent[], splits: readonly string[],
  fit: { kind: IntentModel['kind']; windows: readonly LabelWindow[] },
): ForwardCheck | null {
  if (intents.length < 2) return null;
  const reports = selections.filter((s) => s !== undefined);
  const pooled = reports.length === selections.length && reports.length >= 2 ? poolSelections(reports.slice(1), splits.slice(1)) : null;
  const list = (l: 'for_you' | 'discover'): ForwardList | null => {
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
    judged_on: splits[0] ?? '',
    chosen_on: splits.slice(1),
    for_you: list('for_you'),
    discover: list('discover'),
    intent: { served: choice.served, auc, rfm_logistic_auc: rfm, holds: auc === null || rfm === null ? null : auc >= rfm },
  };
}

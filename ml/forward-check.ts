import type { IntentModel, LabelWindow } from './intent';
import { chooseIntent, type CutIntent, type IntentServed } from './intent-choice';
import type { ListFigures, SelectionReport } from './list-selection';
import { poolSelections } from './pooled-selection';

/**
 * The forward check of a rolling-origin holdout. Production makes its choices (which list to serve, which intent
 * scorer) on the cuts pooled, and a figure read on the same cuts is the one the choice was made on: it cannot
 * fall below the best baseline there, by construction. Here the choices are made on the older cuts only and
 * judged on the newest, a window no choice looked at: what a shop would see one horizon after publishing.
 */
export interface ForwardList {
  /** what the older cuts, pooled, would have served */
  served: string;
  metric: string;
  /** the served choice's figure on the newest cut */
  value: number;
  figures: ListFigures;
  /** the best single baseline of the newest cut, picked in hindsight (the stricter bar) */
  best_baseline: { name: string; value: number };
  champion_value: number;
  margin_vs_best_baseline: number;
  /** value ≥ the best baseline's on the newest cut */
  holds: boolean;
}

export interface ForwardIntent {
  /** what the older cuts would have published */
  served: IntentServed;
  /** the published scorer's AUC on the newest cut (null where that cut held only buyers or only non-buyers) */
  auc: number | null;
  rfm_logistic_auc: number | null;
  /** auc ≥ the RFM logistic's on the newest cut; null where either is not measured */
  holds: boolean | null;
}

export interface ForwardCheck {
  /** the cut judged on (the newest) and the cuts the choices were made on */
  judged_on: string;
  chosen_on: string[];
  for_you: ForwardList | null;
  discover: ForwardList | null;
  intent: ForwardIntent;
}

const hasBothClasses = (c: CutIntent): boolean => c.positives > 0 && c.positives < c.users;

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

/** One warning per choice that did not hold on the newest cut (empty when all held or none was judged). */
export function forwardWarnings(f: ForwardCheck | null): string[] {
  if (!f) return [];
  const out: string[] = [];
  const where = `chosen on ${f.chosen_on.length} older cut${f.chosen_on.length === 1 ? '' : 's'}, judged on the newest (${f.judged_on.slice(0, 10)})`;
  for (const [name, l] of [['for-you', f.for_you], ['discover', f.discover]] as const) {
    if (l && !l.holds) {
      out.push(`forward check: ${name} ${l.served} (${where}) scored ${l.metric} ${l.value.toFixed(4)}, below ${l.best_baseline.name} ${l.best_baseline.value.toFixed(4)}`);
    }
  }
  const i = f.intent;
  if (i.holds === false) out.push(`forward check: intent ${i.served} (${where}) scored AUC ${i.auc!.toFixed(4)}, below the RFM logistic's ${i.rfm_logistic_auc!.toFixed(4)}`);
  return out;
}

import type { ListFigures } from './list-selection';

/**
 * The forward check of a rolling-origin holdout. Production makes its choices (which list to serve, which intent
 * scorer) on the cuts pooled, and a figure read on the same cuts is the one the choice was made on: it cannot
 * fall below the best baseline there, by construction. Here the choices are made on the older cuts only and
 * judged on the newest, a window no choice looked at: what a shop would see one horizon after publishing. With a
 * single cut, each half of its customers (lists: its test customers) chooses and the other half judges.
 */
export interface ForwardList {
  /** what the older cuts, pooled, would have served (halves: each half's choice, ` / ` between when they differ) */
  served: string;
  metric: string;
  /** the served choice's figure on the newest cut (halves: on the other half, both halves averaged) */
  value: number;
  figures: ListFigures;
  /** the best single baseline of what is judged on, picked in hindsight (the stricter bar) */
  best_baseline: { name: string; value: number };
  champion_value: number;
  margin_vs_best_baseline: number;
  /**
   * standard error of that margin (the per-customer NDCG gain's, ml/list-gains.ts); null where it is not measured
   * (a baseline served against another baseline), 0 where the served choice is the best baseline
   */
  margin_se: number | null;
  /** value ≥ the best baseline's on what is judged on */
  holds: boolean;
  /** did not hold, but by no more than one standard error: a tie within noise, not a measured loss */
  within_noise: boolean;
}

export interface ForwardIntent {
  /** what the older cuts would have published (one cut: each half's choice; `model / rfm_logistic` when they differ) */
  served: string;
  /**
   * the published scorer's AUC on the newest cut (halves: on the other half, both averaged); null where what is
   * judged held only buyers or only non-buyers
   */
  auc: number | null;
  rfm_logistic_auc: number | null;
  /** auc ≥ the RFM logistic's on the newest cut; null where either is not measured */
  holds: boolean | null;
}

export interface ForwardCheck {
  /**
   * `cuts`: chosen on the older cuts, judged on the newest; `customer halves` (a single cut): each half of the
   * cut's test customers (lists) or customers (intent) chooses and the other half judges
   */
  mode: 'cuts' | 'customer halves';
  /** the cut judged on (the newest) and the cuts the choices were made on */
  judged_on: string;
  chosen_on: string[];
  for_you: ForwardList | null;
  discover: ForwardList | null;
  intent: ForwardIntent;
}

/** One line per judged choice: what was chosen, its figure where it was judged, the bar, and whether it held. */
export function forwardLines(f: ForwardCheck | null): { line: string; holds: boolean }[] {
  if (!f) return [];
  const out: { line: string; holds: boolean }[] = [];
  for (const [name, l] of [['for-you', f.for_you], ['discover', f.discover]] as const) {
    const noise = l?.within_noise ? ` (within one standard error, ${l.margin_se!.toFixed(4)}: a tie within noise)` : '';
    if (l) out.push({ line: `${name} ${l.served}: ${l.metric} ${l.value.toFixed(4)} vs the best baseline ${l.best_baseline.name} ${l.best_baseline.value.toFixed(4)}${noise}`, holds: l.holds });
  }
  const i = f.intent;
  if (i.auc !== null && i.rfm_logistic_auc !== null && i.holds !== null) {
    out.push({ line: `intent ${i.served}: AUC ${i.auc.toFixed(4)} vs the RFM logistic ${i.rfm_logistic_auc.toFixed(4)}`, holds: i.holds });
  }
  return out;
}

/** A cut's label in a line: the day of a dated cut, the label itself otherwise ("each customer's last basket"). */
export const cutDay = (label: string): string => (/^\d{4}-\d{2}-\d{2}T/.test(label) ? label.slice(0, 10) : label);

/** Where the forward check's choices were made and judged, for the lines above. */
export const forwardBasis = (f: ForwardCheck): string => f.mode === 'customer halves'
  ? `one cut (${cutDay(f.judged_on)}): chosen on each half of its customers, judged on the other half`
  : `chosen on ${f.chosen_on.length} older cut${f.chosen_on.length === 1 ? '' : 's'}, judged on the newest (${cutDay(f.judged_on)}), which no choice saw`;

/** One train-result warning per choice that did not hold where it was judged. */
export function forwardWarnings(f: ForwardCheck | null): string[] {
  return forwardLines(f).filter((l) => !l.holds).map((l) => `forward check (${forwardBasis(f!)}): ${l.line}, did not hold`);
}

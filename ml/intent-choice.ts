import { pairedAucDifference } from './auc-delong';
import { asRfmIntent, type IntentModel, type LabelWindow } from './intent';
import { labelStatus, type LabelStatus } from './intent-label';
import { rocAuc } from './metrics';
import { spreadOf, type Spread } from './spread';

/** What the published intent scores are: the learned scorer, the RFM logistic (it won on the holdout), or a rule. */
export type IntentServed = 'model' | 'rfm_logistic' | 'rule';

/** How the published intent scores are marked where they are served: learned from labels, or a rule. */
export type IntentKindServed = 'model' | 'rule';

/** One cut's intent comparison: both scorers' AUC on that cut's customers, and its label. */
export interface CutIntent {
  model_auc: number;
  /** null when the cut's fit has no RFM logistic (no labelled window: the scorer is a rule) */
  rfm_logistic_auc: number | null;
  users: number;
  positives: number;
  /** DeLong standard error of model_auc − rfm_logistic_auc on these customers (absent in older reports; null without an RFM logistic) */
  auc_gain_se?: number | null;
  /** the same comparison on each half of the cut's customers (alternate ones), for a single cut's forward check */
  halves?: [CutIntent, CutIntent];
}

/** The standard error of the learned scorer's AUC gain over the RFM logistic on one cut (null without an RFM logistic or a class). */
export function aucGainSe(model: ArrayLike<number>, rfm: ArrayLike<number> | null, labels: ArrayLike<number>): number | null {
  return rfm ? pairedAucDifference(model, rfm, labels)?.se ?? null : null;
}

/**
 * Both scorers compared on each half of a cut's customers (alternate ones), from their scores and labels: with a
 * single cut, the forward check chooses on one half and judges on the other.
 */
export function intentHalves(model: ArrayLike<number>, rfm: ArrayLike<number> | null, labels: ArrayLike<number>): [CutIntent, CutIntent] {
  const half = (h: number): CutIntent => {
    const idx = Array.from({ length: labels.length }, (_, t) => t).filter((t) => t % 2 === h);
    const y = idx.map((t) => labels[t]!);
    const m = idx.map((t) => model[t]!);
    const r = rfm ? idx.map((t) => rfm[t]!) : null;
    return {
      model_auc: rocAuc(m, y), rfm_logistic_auc: r ? rocAuc(r, y) : null,
      users: y.length, positives: y.reduce((s, v) => s + v, 0), auc_gain_se: aucGainSe(m, r, y),
    };
  };
  return [half(0), half(1)];
}

/** The intent choice over the cuts of a holdout, with the pooled figures it was made on. */
export interface IntentChoice {
  served: IntentServed;
  kind: IntentKindServed;
  /** cuts whose window held both buyers and non-buyers (AUC is defined there) */
  evaluable_cuts: number;
  model_auc: Spread | null;
  rfm_logistic_auc: Spread | null;
  /** standard error of the learned scorer's mean AUC lead over the RFM logistic (absent where not measured) */
  gain_se?: number;
  label: LabelStatus;
  note: string;
}

/** The cut's test window held buyers and non-buyers: AUC is defined there. */
export const hasBothClasses = (c: CutIntent): boolean => c.positives > 0 && c.positives < c.users;

/**
 * The standard error of the learned scorer's mean AUC gain over the RFM logistic across `cuts` (independent
 * windows, equally weighted like the means), or null when a cut did not measure it (older reports).
 */
function pooledGainSe(cuts: readonly CutIntent[]): number | null {
  if (cuts.some((c) => typeof c.auc_gain_se !== 'number')) return null;
  return Math.sqrt(cuts.reduce((s, c) => s + c.auc_gain_se! ** 2, 0)) / cuts.length;
}

/**
 * Picks the published intent scorer from the cuts' comparisons (newest first): a rule when the fit had no
 * labelled window (`fitKind` heuristic), else the learned scorer when its AUC, averaged over the cuts whose window
 * held buyers and non-buyers, leads the RFM logistic's by more than one standard error of that lead (DeLong,
 * per cut), else the simpler RFM logistic: a lead within noise does not survive the next window (the tiny shape's
 * forward check lost 0.003 that way). Without standard errors (older reports) the higher mean wins, the learned
 * scorer a tie. `fitWindows` are the label windows the fits looked at; with the cuts' own windows they say
 * whether the label is degenerate.
 */
export function chooseIntent(cuts: readonly CutIntent[], fitKind: IntentModel['kind'], fitWindows: readonly LabelWindow[]): IntentChoice {
  const label = labelStatus([...fitWindows, ...cuts.map((c) => ({ users: c.users, positives: c.positives }))]);
  const ok = cuts.filter(hasBothClasses);
  const model = ok.length > 0 ? spreadOf(ok.map((c) => c.model_auc)) : null;
  const withRfm = ok.filter((c) => c.rfm_logistic_auc !== null);
  const rfm = withRfm.length === ok.length && ok.length > 0 ? spreadOf(withRfm.map((c) => c.rfm_logistic_auc!)) : null;
  const base = { evaluable_cuts: ok.length, model_auc: model, rfm_logistic_auc: rfm, label };
  if (fitKind === 'heuristic') {
    return {
      ...base, served: 'rule', kind: 'rule',
      note: label.degenerate ? label.note : 'no label window before the split held both buyers and non-buyers; the intent scores are a rule, not a learned model',
    };
  }
  if (!model) {
    return { ...base, served: 'model', kind: 'model', note: 'no holdout window held both buyers and non-buyers: intent AUC is not measured here' };
  }
  const over = `over ${ok.length} cut${ok.length === 1 ? '' : 's'}`;
  const se = rfm ? pooledGainSe(ok) : null;
  const gain = rfm ? model.mean - rfm.mean : 0;
  if (rfm && (se !== null ? gain <= se : rfm.mean > model.mean)) {
    return {
      ...base, served: 'rfm_logistic', kind: 'model', ...(se !== null ? { gain_se: se } : {}),
      note: gain > 0
        ? `the learned scorer's AUC lead over the RFM logistic (${model.mean.toFixed(4)} vs ${rfm.mean.toFixed(4)} ${over}) is within one standard error (${se!.toFixed(4)}): the simpler RFM logistic is published`
        : `the RFM logistic (AUC ${rfm.mean.toFixed(4)} ${over}) ${gain < 0 ? 'beat' : 'matched'} the learned scorer (${model.mean.toFixed(4)}): it is published`,
    };
  }
  return {
    ...base, served: 'model', kind: 'model', ...(se !== null ? { gain_se: se } : {}),
    note: `the learned scorer (AUC ${model.mean.toFixed(4)} ${over}) is at least the RFM logistic's (${rfm ? rfm.mean.toFixed(4) : 'n/a'})` +
      `${se !== null ? `, by more than one standard error (${se.toFixed(4)})` : ''}`,
  };
}

/** The intent a refit publishes, how its scores are marked, and why. */
export interface PublishedIntent {
  model: IntentModel;
  served: IntentServed;
  kind: IntentKindServed;
  /** the label over the refit's own windows and the holdout's test windows */
  label: LabelStatus;
  note: string;
}

/**
 * The intent model a refit publishes under the holdout's choice (`holdout.served`): its RFM logistic when that
 * won, a rule when the refit itself found no labelled window (whatever the holdout said), else the learned
 * scorer. `holdout.windows` are the holdout's test windows (customers and buyers in each).
 */
export function publishedIntent(refit: IntentModel, holdout: { served: IntentServed; note: string; windows: readonly LabelWindow[] }): PublishedIntent {
  const label = labelStatus([...(refit.labelWindows ?? []), ...holdout.windows]);
  if (refit.kind === 'heuristic') {
    const note = label.degenerate ? label.note : 'no label window before the end of the data held both buyers and non-buyers; the intent scores are a rule, not a learned model';
    return { model: refit, served: 'rule', kind: 'rule', label, note };
  }
  if (holdout.served === 'rfm_logistic' && refit.rfm) return { model: asRfmIntent(refit), served: 'rfm_logistic', kind: 'model', label, note: holdout.note };
  return { model: refit, served: 'model', kind: 'model', label, note: holdout.served === 'rule' ? 'the holdout cuts had no labelled window; the refit on all data has one: a learned scorer is published, unmeasured' : holdout.note };
}

/** How a fitted intent model's scores are marked where they are served. */
export function intentKindOf(m: IntentModel): IntentKindServed {
  return m.kind === 'heuristic' ? 'rule' : 'model';
}

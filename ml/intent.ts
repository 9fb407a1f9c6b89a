import { InsufficientDataError } from './errors';
import { historySpan, labelWindow, requireHistory } from './history';
import {
  heuristicLogit, intentFeatures, leadingColumns, N_INTENT_FEATURES, INTENT_FEATURES, standardiseRows, type FeatureScale,
} from './intent-features';
import { fitRfmIntent, rfmLogits, type RfmIntent } from './intent-rfm';
import { fitLogistic, predictLogistic, type LogisticModel } from './logistic';
import { rocAuc } from './metrics';
import { columnStats, predictMlp, trainMlp, type MlpWeights } from './mlp';
import { buildSnapshot, buyersInWindow, DAY } from './snapshot';
import type { EventRecord } from './types';

const D = N_INTENT_FEATURES;

/** Intent hyper-parameters. */
export interface IntentParams {
  hidden: number[];
  epochs: number;
  learningRate: number;
  /** how many earlier label windows are stacked as training examples (plus the most recent, for calibration) */
  anchors: number;
  /**
   * Weightings of the stacked windows to pick from on validation: window i (0 = newest) weighs decay^i. Below 1
   * the newest windows count more, for shops whose buying moves with the seasons.
   */
  windowDecays?: number[];
}

export const DEFAULT_INTENT: IntentParams = { hidden: [16], epochs: 30, learningRate: 0.003, anchors: 8, windowDecays: [1, 0.7] };

/**
 * Which scorer the intent model uses; `heuristic` is the transparent fallback (a rule, not a model) when no
 * labelled window exists; `rfm` is the RFM logistic ({@link RfmIntent}), published when it wins on the holdout.
 */
export type IntentKind = 'mlp' | 'logistic' | 'blend' | 'heuristic' | 'rfm';

/** Customers and buyers of one label window the fit looked at (newest first). */
export interface LabelWindow {
  users: number;
  positives: number;
}

/** Fewest buyers and fewest non-buyers a label window needs to teach anything about who buys. */
export const MIN_LABEL_CLASS = 3;

/** A fitted purchase-intent model: a logit scorer, then Platt scaling fitted on the most recent window. */
export interface IntentModel {
  kind?: IntentKind;
  mlp: MlpWeights | null;
  logistic?: LogisticModel | null;
  /** blend: mean and sd of the MLP and logistic logits, to average them on one scale */
  blend?: number[] | null;
  platt: LogisticModel | null;
  horizonDays: number;
  /** length of the label window it learned from (< horizonDays on short histories: rescaled at prediction) */
  labelDays?: number;
  /** probability for users with no history before the cut-off */
  coldStart?: number;
  /** AUC of each candidate scorer on the most recent (validation) window; `kind@decay` for decayed weightings */
  validationAuc?: Record<string, number>;
  /** the window weighting it was trained with (see IntentParams.windowDecays) */
  windowDecay?: number;
  /** item momentum at fit time, indexed like the champion's items (see itemMomentum); absent in old models */
  itemMomentum?: Float32Array;
  /** the RFM logistic fitted on the same windows (null when no labelled window exists; absent in old models) */
  rfm?: RfmIntent | null;
  /** every label window the fit looked at, labelled or not (newest first); absent in old models */
  labelWindows?: LabelWindow[];
  /**
   * When the shop's validation picked it ({@link pickScaling}), the learned scorers read features standardised
   * within their population: each training window by its own customers, served rows by the customers at the cut
   * (these statistics). Absent: raw features (and in old models).
   */
  featureScale?: FeatureScale;
  /** the logistic's validation AUC on raw and on window-standardised features, which made that choice */
  scalingAuc?: { raw: number; window: number };
}

/** The intent model and the degraded paths its fit took (empty when none). */
export interface IntentFit {
  model: IntentModel;
  fallbacks: string[];
}

interface Window {
  x: Float32Array;
  y: Float32Array;
  /** x standardised within the window's own customers: what the learned scorers train on */
  z: Float32Array;
}

const clampP = (p: number): number => Math.min(1 - 1e-4, Math.max(1e-4, p));
const meanSd = (z: Float32Array): [number, number] => {
  let s = 0;
  let q = 0;
  for (const v of z) {
    s += v;
    q += v * v;
  }
  const m = s / Math.max(1, z.length);
  return [m, Math.sqrt(Math.max(0, q / Math.max(1, z.length) - m * m)) || 1];
};

/** Raw scores (logits, not yet calibrated) of feature rows under the model's scorer. */
function intentLogits(m: IntentModel, x: Float32Array): Float32Array {
  const rows = x.length / D;
  const kind = m.kind ?? 'mlp';
  if (kind === 'heuristic') return heuristicLogit(x, rows);
  if (kind === 'rfm') return rfmLogits(m.rfm!, x);
  if (m.featureScale) x = standardiseRows(x, m.featureScale);
  const fromMlp = (): Float32Array => predictMlp(m.mlp!, leadingColumns(x, m.mlp!.sizes[0]!), rows);
  const fromLr = (): Float32Array => {
    const lr = m.logistic!;
    const xl = leadingColumns(x, lr.mean.length);
    return Float32Array.from({ length: rows }, (_, r) => {
      const p = predictLogistic(lr, xl.subarray(r * lr.mean.length, (r + 1) * lr.mean.length));
      return Math.log(Math.max(1e-12, p) / Math.max(1e-12, 1 - p));
    });
  };
  if (kind === 'mlp') return fromMlp();
  if (kind === 'logistic') return fromLr();
  const a = fromMlp();
  const b = fromLr();
  const s = m.blend!;
  return a.map((v, r) => (v - s[0]!) / s[1]! + (b[r]! - s[2]!) / s[3]!);
}

/** Calibrated probabilities of buying within the model's horizon, for feature rows; always inside (0, 1). */
export function predictIntent(m: IntentModel, x: Float32Array): Float32Array {
  const z = intentLogits(m, x);
  const platt = m.platt;
  // Heuristic: its score is log(expected baskets in 30 days), so P(at least one in H days) = 1 − e^(−E·H/30).
  if (!platt) return z.map((v) => clampP(1 - Math.exp(-Math.exp(v) * (m.horizonDays / 30))));
  // A shorter label window is stretched to the horizon assuming Poisson arrivals: 1 − (1 − p)^(H / L).
  const stretch = m.horizonDays / (m.labelDays ?? m.horizonDays);
  return z.map((v) => clampP(1 - (1 - predictLogistic(platt, [v])) ** stretch));
}

interface Stacked {
  x: Float32Array;
  y: Float32Array;
  /** row weights: decay^i for the rows of window i (newest first) */
  w: Float32Array;
  rows: number;
}

/** Stacks windows newest first; `raw` takes their raw features (the RFM logistic), else the standardised ones. */
function stack(ws: Window[], decay = 1, raw = false): Stacked {
  const rows = ws.reduce((s, w) => s + w.y.length, 0);
  const x = new Float32Array(rows * D);
  const y = new Float32Array(rows);
  const w = new Float32Array(rows);
  let off = 0;
  ws.forEach((win, i) => {
    x.set(raw ? win.x : win.z, off * D);
    y.set(win.y, off);
    w.fill(decay ** i, off, off + win.y.length);
    off += win.y.length;
  });
  return { x, y, w, rows };
}

/** Rows below which the logistic keeps to the RFM prefix (5 columns) with a stronger ridge: small shops overfit. */
const SMALL_ROWS = 2000;

function fitLr({ x, y, w, rows }: Stacked): LogisticModel {
  if (rows >= SMALL_ROWS) return fitLogistic(Float64Array.from(x), y, rows, D, 1e-3, w);
  return fitLogistic(Float64Array.from(leadingColumns(x, 5)), y, rows, 5, 0.05, w);
}

/** The candidate scorers fitted on stacked windows: logistic, and (with enough rows) the MLP and their blend. */
async function fitScorers(
  train: Stacked, tryMlp: boolean, base: Omit<IntentModel, 'kind' | 'mlp' | 'platt'>, p: IntentParams,
): Promise<IntentModel[]> {
  const logistic = fitLr(train);
  const candidates: IntentModel[] = [{ ...base, kind: 'logistic', mlp: null, logistic, platt: null }];
  // The MLP needs enough rows to beat a linear model; on small shops it is not even tried.
  if (tryMlp && train.rows >= SMALL_ROWS) {
    const mlp = await trainMlp(train.x, train.y, train.rows, D, {
      hidden: p.hidden, epochs: p.epochs, batchSize: 256, learningRate: p.learningRate, seed: 3, rowWeights: train.w,
    });
    const zm = predictMlp(mlp, train.x, train.rows);
    const zl = intentLogits(candidates[0]!, train.x);
    const blend = [...meanSd(zm), ...meanSd(zl)];
    candidates.push({ ...base, kind: 'mlp', mlp, platt: null }, { ...base, kind: 'blend', mlp, logistic, blend, platt: null });
  }
  return candidates;
}

/**
 * The logistic's AUC on the validation window (`recent`), fitted on the older windows with raw features and
 * with each window standardised within its own customers: a cheap per-shop test of which the scorers should read.
 */
function pickScaling(older: Window[], recent: Window): { raw: number; window: number } {
  const auc = (raw: boolean): number => {
    const lr = fitLr(stack(older, 1, raw));
    const x = raw ? recent.x : recent.z;
    const d = lr.mean.length;
    const xl = leadingColumns(x, d);
    return rocAuc(Float32Array.from({ length: recent.y.length }, (_, r) => predictLogistic(lr, xl.subarray(r * d, (r + 1) * d))), recent.y);
  };
  return { raw: auc(true), window: auc(false) };
}

/**
 * Feature statistics of the customers at the cut, which served rows are standardised with. Shop-wide features
 * drift from window to window (tenure grows with the shop's history, volume with the season); standardising
 * each window within its own customers keeps what is learned about a customer relative to the others
 * (on UCI, validation AUC rose on each of the three latest windows). Whether a shop's scorers read
 * standardised rows is its own validation's choice ({@link pickScaling}).
 */
function cutScale(events: readonly EventRecord[], asOf: number, returns: readonly EventRecord[]): FeatureScale {
  const { x } = intentFeatures(buildSnapshot(events, asOf, { returns }));
  return columnStats(x, x.length / D, D);
}

/**
 * Trains P(purchase within horizon) on stacked earlier windows: for anchors asOf − j·L (j ≥ 2) features come
 * from events before the anchor and the label from the following L days (L = horizon, shorter on short
 * histories); the most recent window (j = 1) picks the scorer (MLP, logistic or their blend, by AUC), which is
 * then refitted on the windows j = 1 … anchors and Platt-scaled on the most recent one, so probabilities match
 * the latest base rate. Returns and cancellations (`returns`) feed two of the features. Degrades to one window,
 * then to a heuristic.
 */
export async function fitIntentModel(
  events: readonly EventRecord[], asOf: number, horizonDays: number, p: IntentParams = DEFAULT_INTENT,
  returns: readonly EventRecord[] = [],
): Promise<IntentFit> {
  const hist = historySpan(events, asOf);
  requireHistory(hist, 'intent model');
  const fallbacks: string[] = [];
  const h = horizonDays * DAY;
  const len = labelWindow(hist, h);
  const labelDays = len / DAY;
  if (len < h) fallbacks.push(`intent: ${labelDays}-day label windows (history too short for ${horizonDays}); probabilities stretched to the horizon (Poisson)`);
  const windows: Window[] = [];
  const labelWindows: LabelWindow[] = [];
  for (let j = 1; j <= p.anchors + 1; j++) {
    const a = asOf - j * len;
    // Features need at least as much history before the anchor as the label window is long (the most
    // recent window always has it: L ≤ span / 2).
    if (a - hist.minTs < len) break;
    const snap = buildSnapshot(events, a, { returns });
    const { users, x } = intentFeatures(snap);
    const buyers = buyersInWindow(events, a, a + len);
    const y = Float32Array.from(users, (u) => (buyers.has(snap.userIds[u]!) ? 1 : 0));
    const pos = y.reduce((s, v) => s + v, 0);
    labelWindows.push({ users: y.length, positives: pos });
    // A window where everyone (or no one) bought teaches nothing about who buys.
    if (pos >= MIN_LABEL_CLASS && y.length - pos >= MIN_LABEL_CLASS) windows.push({ x, y, z: standardiseRows(x, columnStats(x, y.length, D)) });
  }
  const base: Omit<IntentModel, 'kind' | 'mlp' | 'platt'> = { horizonDays, labelDays, labelWindows };
  const recent = windows[0];
  let cold = 0.05;
  if (recent) {
    let n = 0;
    let s = 0;
    for (let r = 0; r < recent.y.length; r++) {
      if (recent.x[r * D + 1]! <= Math.log(2) + 1e-6) {
        n++;
        s += recent.y[r]!;
      }
    }
    cold = n >= 5 ? s / n : recent.y.reduce((a, v) => a + v, 0) / recent.y.length;
  }
  base.coldStart = clampP(1 - (1 - cold) ** (horizonDays / labelDays));
  if (!recent) {
    fallbacks.push('intent: no window with both buyers and non-buyers; heuristic P = 1 − exp(−expected baskets) from frequency, tenure and recency');
    return { model: { ...base, kind: 'heuristic', mlp: null, platt: null, rfm: null }, fallbacks };
  }
  if (windows.length < 2) fallbacks.push('intent: a single labelled window; logistic regression calibrated on that same window');
  // Pick the feature scaling, then the scorer and window weighting, on the most recent window, trained on the older ones only...
  const older = windows.length >= 2 ? windows.slice(1) : [recent];
  const scaling = windows.length >= 2 ? pickScaling(older, recent) : null;
  const raw = !scaling || scaling.window <= scaling.raw + 1e-4;
  const rx = raw ? recent.x : recent.z;
  const decays = windows.length >= 3 ? (p.windowDecays ?? [1]) : [1];
  const validationAuc: Record<string, number> = {};
  let best: IntentModel | null = null;
  let bestAuc = -1;
  for (const decay of decays) {
    for (const c of await fitScorers(stack(older, decay, raw), windows.length >= 2, base, p)) {
      const auc = rocAuc(intentLogits(c, rx), recent.y);
      validationAuc[decay === 1 ? c.kind! : `${c.kind!}@${decay}`] = auc;
      if (auc > bestAuc + 1e-4) {
        best = { ...c, windowDecay: decay };
        bestAuc = auc;
      }
    }
  }
  // ...then refit it on as many windows shifted one newer: the latest window is the closest to what comes
  // next (seasons move), and leaving it out of training cost more AUC than the selection it paid for.
  if (windows.length >= 2) {
    const decay = best!.windowDecay ?? 1;
    const refit = await fitScorers(stack(windows.slice(0, older.length), decay, raw), best!.kind !== 'logistic', base, p);
    best = { ...(refit.find((c) => c.kind === best!.kind) ?? best!), windowDecay: decay };
  }
  best ??= (await fitScorers(stack([recent], 1, raw), false, base, p))[0]!;
  const z = intentLogits(best, rx);
  const platt = fitLogistic(Float64Array.from(z), recent.y, recent.y.length, 1, 1e-3);
  // The RFM logistic learns from the windows the served scorer was refitted on, and is calibrated the same way.
  const rfmWindows = stack(windows.length >= 2 ? windows.slice(0, older.length) : [recent], 1, true);
  const rfm = fitRfmIntent(rfmWindows.x, rfmWindows.y, rfmWindows.w, rfmWindows.rows, recent.x, recent.y);
  const scaled = raw ? {} : { featureScale: cutScale(events, asOf, returns) };
  return { model: { ...best, platt, validationAuc, rfm, ...scaled, ...(scaling ? { scalingAuc: scaling } : {}) }, fallbacks };
}

export { intentFeatures, INTENT_FEATURES, D as N_INTENT_FEATURES, InsufficientDataError };

/** The same fitted intent model serving its RFM logistic instead (what train publishes when the RFM logistic wins the holdout). */
export function asRfmIntent(m: IntentModel): IntentModel {
  if (!m.rfm) throw new Error('asRfmIntent: the model has no RFM logistic (no labelled window)');
  return { ...m, kind: 'rfm', platt: m.rfm.platt };
}

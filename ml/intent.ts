import { InsufficientDataError } from './errors';
import { historySpan, labelWindow, requireHistory } from './history';
import { heuristicLogit, intentFeatures, leadingColumns, N_INTENT_FEATURES, INTENT_FEATURES } from './intent-features';
import { fitLogistic, predictLogistic, type LogisticModel } from './logistic';
import { rocAuc } from './metrics';
import { predictMlp, trainMlp, type MlpWeights } from './mlp';
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
}

export const DEFAULT_INTENT: IntentParams = { hidden: [16], epochs: 30, learningRate: 0.003, anchors: 8 };

/** Which scorer the intent model uses; `heuristic` is the transparent fallback when no labelled window exists. */
export type IntentKind = 'mlp' | 'logistic' | 'blend' | 'heuristic';

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
  /** AUC of each candidate scorer on the most recent (validation) window */
  validationAuc?: Record<string, number>;
}

/** The intent model and the degraded paths its fit took (empty when none). */
export interface IntentFit {
  model: IntentModel;
  fallbacks: string[];
}

interface Window {
  x: Float32Array;
  y: Float32Array;
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

function stack(ws: Window[]): { x: Float32Array; y: Float32Array; rows: number } {
  const rows = ws.reduce((s, w) => s + w.y.length, 0);
  const x = new Float32Array(rows * D);
  const y = new Float32Array(rows);
  let off = 0;
  for (const w of ws) {
    x.set(w.x, off * D);
    y.set(w.y, off);
    off += w.y.length;
  }
  return { x, y, rows };
}

/** Rows below which the logistic keeps to the RFM prefix (5 columns) with a stronger ridge: small shops overfit. */
const SMALL_ROWS = 2000;

function fitLr(x: Float32Array, y: Float32Array, rows: number): LogisticModel {
  if (rows >= SMALL_ROWS) return fitLogistic(Float64Array.from(x), y, rows, D, 1e-3);
  return fitLogistic(Float64Array.from(leadingColumns(x, 5)), y, rows, 5, 0.05);
}

/**
 * Trains P(purchase within horizon) on stacked earlier windows: for anchors asOf − j·L (j ≥ 2) features come
 * from events before the anchor and the label from the following L days (L = horizon, shorter on short
 * histories); the most recent window (j = 1) picks the scorer (MLP, logistic or their blend, by AUC) and fits
 * Platt scaling, so probabilities match the latest base rate. Degrades to one window, then to a heuristic.
 */
export async function fitIntentModel(
  events: readonly EventRecord[], asOf: number, horizonDays: number, p: IntentParams = DEFAULT_INTENT,
): Promise<IntentFit> {
  const hist = historySpan(events, asOf);
  requireHistory(hist, 'intent model');
  const fallbacks: string[] = [];
  const h = horizonDays * DAY;
  const len = labelWindow(hist, h);
  const labelDays = len / DAY;
  if (len < h) fallbacks.push(`intent: ${labelDays}-day label windows (history too short for ${horizonDays}); probabilities stretched to the horizon (Poisson)`);
  const windows: Window[] = [];
  for (let j = 1; j <= p.anchors + 1; j++) {
    const a = asOf - j * len;
    // Features need at least as much history before the anchor as the label window is long (the most
    // recent window always has it: L ≤ span / 2).
    if (a - hist.minTs < len) break;
    const snap = buildSnapshot(events, a);
    const { users, x } = intentFeatures(snap);
    const buyers = buyersInWindow(events, a, a + len);
    const y = Float32Array.from(users, (u) => (buyers.has(snap.userIds[u]!) ? 1 : 0));
    const pos = y.reduce((s, v) => s + v, 0);
    // A window where everyone (or no one) bought teaches nothing about who buys.
    if (pos >= 3 && y.length - pos >= 3) windows.push({ x, y });
  }
  const base: Omit<IntentModel, 'kind' | 'mlp' | 'platt'> = { horizonDays, labelDays };
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
    return { model: { ...base, kind: 'heuristic', mlp: null, platt: null }, fallbacks };
  }
  const train = windows.length >= 2 ? stack(windows.slice(1)) : stack([recent]);
  if (windows.length < 2) fallbacks.push('intent: a single labelled window; logistic regression calibrated on that same window');
  const logistic = fitLr(train.x, train.y, train.rows);
  const candidates: IntentModel[] = [{ ...base, kind: 'logistic', mlp: null, logistic, platt: null }];
  // The MLP needs enough rows to beat a linear model; on small shops it is not even tried.
  if (windows.length >= 2 && train.rows >= SMALL_ROWS) {
    const mlp = await trainMlp(train.x, train.y, train.rows, D, { hidden: p.hidden, epochs: p.epochs, batchSize: 256, learningRate: p.learningRate, seed: 3 });
    const zm = predictMlp(mlp, train.x, train.rows);
    const zl = intentLogits(candidates[0]!, train.x);
    const blend = [...meanSd(zm), ...meanSd(zl)];
    candidates.push({ ...base, kind: 'mlp', mlp, platt: null }, { ...base, kind: 'blend', mlp, logistic, blend, platt: null });
  }
  const validationAuc: Record<string, number> = {};
  let best = candidates[0]!;
  let bestAuc = -1;
  for (const c of candidates) {
    const auc = rocAuc(intentLogits(c, recent.x), recent.y);
    validationAuc[c.kind!] = auc;
    if (auc > bestAuc + 1e-4) {
      best = c;
      bestAuc = auc;
    }
  }
  const z = intentLogits(best, recent.x);
  const platt = fitLogistic(Float64Array.from(z), recent.y, recent.y.length, 1, 1e-3);
  return { model: { ...best, platt, validationAuc }, fallbacks };
}

/** {@link fitIntentModel} without the fallback notes (kept for callers of the original API). */
export async function fitIntent(
  events: readonly EventRecord[], asOf: number, horizonDays: number, p: IntentParams = DEFAULT_INTENT,
): Promise<IntentModel> {
  return (await fitIntentModel(events, asOf, horizonDays, p)).model;
}

export { intentFeatures, INTENT_FEATURES, D as N_INTENT_FEATURES, InsufficientDataError };

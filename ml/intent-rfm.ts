import { N_INTENT_FEATURES } from './intent-features';
import { fitLogistic, predictLogistic, type LogisticModel } from './logistic';

const D = N_INTENT_FEATURES;
/** Intent feature columns of recency, frequency and monetary (log_recency, log_frequency, log_monetary). */
const RECENCY = 0;
const FREQUENCY = 1;
const MONETARY = 2;

/**
 * A logistic regression on RFM features alone (monetary left out when the shop's data carries no spend), fitted
 * on the same label windows as the intent model and Platt-scaled on the newest: the simple scorer the served
 * intent must not fall below on the shop's holdout (it is published instead when it wins there).
 */
export interface RfmIntent {
  /** the intent feature columns it reads */
  columns: number[];
  logistic: LogisticModel;
  platt: LogisticModel;
}

/** The RFM columns of these rows: recency and frequency, plus monetary when it varies (a shop without prices has none). */
export function rfmColumns(x: Float32Array, rows: number): number[] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let r = 0; r < rows; r++) {
    const v = x[r * D + MONETARY]!;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > lo ? [RECENCY, FREQUENCY, MONETARY] : [RECENCY, FREQUENCY];
}

function pickColumns(x: Float32Array, rows: number, columns: readonly number[]): Float64Array {
  const out = new Float64Array(rows * columns.length);
  for (let r = 0; r < rows; r++) columns.forEach((c, j) => (out[r * columns.length + j] = x[r * D + c]!));
  return out;
}

/** Raw logits of feature rows (full intent-feature width) under the RFM logistic, before Platt scaling. */
export function rfmLogits(m: RfmIntent, x: Float32Array): Float32Array {
  const rows = x.length / D;
  const d = m.columns.length;
  const xs = pickColumns(x, rows, m.columns);
  return Float32Array.from({ length: rows }, (_, r) => {
    const p = predictLogistic(m.logistic, xs.subarray(r * d, (r + 1) * d));
    return Math.log(Math.max(1e-12, p) / Math.max(1e-12, 1 - p));
  });
}

/**
 * Fits the RFM logistic on stacked windows (`x`, `y`, row weights `w`; full intent-feature rows) and its Platt
 * scaling on the newest window (`recentX`, `recentY`), as the intent model itself is calibrated.
 */
export function fitRfmIntent(
  x: Float32Array, y: Float32Array, w: Float32Array, rows: number, recentX: Float32Array, recentY: Float32Array,
): RfmIntent {
  const columns = rfmColumns(x, rows);
  const logistic = fitLogistic(pickColumns(x, rows, columns), y, rows, columns.length, 1e-3, w);
  const model: RfmIntent = { columns, logistic, platt: { mean: new Float64Array(1), std: new Float64Array([1]), coef: new Float64Array(2) } };
  const z = rfmLogits(model, recentX);
  model.platt = fitLogistic(Float64Array.from(z), recentY, recentY.length, 1, 1e-3);
  return model;
}

import { fitLogistic, predictLogistic, type LogisticModel } from './logistic';
import { predictMlp, trainMlp, type MlpWeights } from './mlp';
import { buildSnapshot, buyersInWindow, DAY, type Snapshot } from './snapshot';
import type { EventRecord } from './types';

/** Names of the intent features, in column order. */
export const INTENT_FEATURES = [
  'log_recency', 'log_frequency', 'log_monetary', 'log_tenure', 'rate', 'log_baskets30', 'log_baskets90', 'trend',
  'log_items', 'log_lines', 'log_searches30', 'log_views30', 'log_carts30', 'log_purchases30', 'log_overdue', 'active3', 'active6', 'active12',
] as const;
const D = INTENT_FEATURES.length;

/** Intent hyper-parameters. */
export interface IntentParams {
  hidden: number[];
  epochs: number;
  learningRate: number;
  /** how many earlier horizon-long windows are stacked as training examples */
  anchors: number;
}

export const DEFAULT_INTENT: IntentParams = { hidden: [16], epochs: 30, learningRate: 0.003, anchors: 8 };

/** A fitted purchase-intent model: MLP logits, then Platt scaling fitted on the most recent window. */
export interface IntentModel {
  mlp: MlpWeights;
  platt: LogisticModel;
  horizonDays: number;
}

/** Intent features of every user of a snapshot who has purchased before its anchor (others get none). */
export function intentFeatures(snap: Snapshot): { users: number[]; x: Float32Array } {
  const us = snap.user;
  const users: number[] = [];
  for (let u = 0; u < snap.userIds.length; u++) if (us.lines[u]! > 0 || us.lastTs[u]! > -Infinity) users.push(u);
  const x = new Float32Array(users.length * D);
  users.forEach((u, r) => {
    const last = us.lastBuyTs[u]! > -Infinity ? us.lastBuyTs[u]! : us.lastTs[u]!;
    const recency = (snap.anchor - last) / DAY;
    const tenure = (snap.anchor - us.firstTs[u]!) / DAY;
    const f = us.baskets[u]!;
    const gap = tenure / Math.max(1, f);
    const row = [
      Math.log1p(recency), Math.log1p(f), Math.log1p(Math.max(0, us.monetary[u]!)), Math.log1p(tenure),
      f / (tenure / 30 + 1), Math.log1p(us.baskets30[u]!), Math.log1p(us.baskets90[u]!),
      Math.log((us.baskets30[u]! + 1) / (us.baskets90[u]! / 3 + 1)), Math.log1p(us.distinctItems[u]!),
      Math.log1p(us.lines[u]!), Math.log1p(us.mix30[u * 4]!), Math.log1p(us.mix30[u * 4 + 1]!),
      Math.log1p(us.mix30[u * 4 + 2]!), Math.log1p(us.mix30[u * 4 + 3]!), Math.log((recency + 1) / (gap + 1)), us.activePeriods3[u]!, us.activePeriods6[u]!, us.activePeriods12[u]!,
    ];
    for (let j = 0; j < D; j++) x[r * D + j] = Number.isFinite(row[j]!) ? row[j]! : 0;
  });
  return { users, x };
}

/** Calibrated purchase probabilities for feature rows. */
export function predictIntent(m: IntentModel, x: Float32Array): Float32Array {
  const logits = predictMlp(m.mlp, x, x.length / D);
  return logits.map((z) => predictLogistic(m.platt, [z]));
}

/**
 * Trains P(purchase within horizon) on stacked earlier windows: for anchors asOf − j·H (j ≥ 2) features come
 * from events before the anchor and the label from the following H days; the most recent window (j = 1) is
 * held out to fit Platt scaling, so probabilities match the latest base rate.
 */
export async function fitIntent(
  events: readonly EventRecord[], asOf: number, horizonDays: number, p: IntentParams = DEFAULT_INTENT,
): Promise<IntentModel> {
  const h = horizonDays * DAY;
  let minTs = Infinity;
  for (const e of events) if (e.ts < minTs) minTs = e.ts;
  const windows: { x: Float32Array; y: Float32Array }[] = [];
  for (let j = 1; j <= p.anchors + 1; j++) {
    const a = asOf - j * h;
    if (a - minTs < 2 * h && j > 2) break;
    const snap = buildSnapshot(events, a);
    const { users, x } = intentFeatures(snap);
    if (users.length === 0) break;
    const buyers = buyersInWindow(events, a, a + h);
    windows.push({ x, y: Float32Array.from(users, (u) => (buyers.has(snap.userIds[u]!) ? 1 : 0)) });
  }
  const [calib, ...train] = windows;
  if (!calib) throw new Error('not enough history to train the intent model');
  const pool = train.length > 0 ? train : [calib];
  const rows = pool.reduce((s, w) => s + w.y.length, 0);
  const x = new Float32Array(rows * D);
  const y = new Float32Array(rows);
  let off = 0;
  for (const w of pool) {
    x.set(w.x, off * D);
    y.set(w.y, off);
    off += w.y.length;
  }
  const mlp = await trainMlp(x, y, rows, D, { hidden: p.hidden, epochs: p.epochs, batchSize: 256, learningRate: p.learningRate, seed: 3 });
  const z = predictMlp(mlp, calib.x, calib.y.length);
  const platt = fitLogistic(Float64Array.from(z), calib.y, calib.y.length, 1);
  return { mlp, platt, horizonDays };
}

export { D as N_INTENT_FEATURES };

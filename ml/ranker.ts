import { N_FEATURES, RANKER_FEATURES, makeScratch, userCandidates, type CandidateParams } from './features';
import { predictMlp, stackMlps, trainMlp, type MlpWeights } from './mlp';
import type { Snapshot } from './snapshot';
import type { FittedSources } from './sources';

/** Ranker hyper-parameters (chosen on the validation window). */
export interface RankerParams {
  hidden: number[];
  epochs: number;
  learningRate: number;
  batchSize: number;
  l2: number;
  /** horizon-long training windows stacked (most recent first); older ones only where history allows */
  windows?: number;
  /** MLPs trained with different seeds (initialisation and shuffles) and averaged (bagging; 1 = a single net) */
  bag?: number;
}

export const DEFAULT_RANKER: RankerParams = { hidden: [32], epochs: 4, learningRate: 0.002, batchSize: 1024, l2: 0, windows: 2, bag: 3 };

/** Training rows of a ranker head; `users` counts the labelled users that contributed. */
export interface RankerRows {
  x: Float32Array;
  y: Float32Array;
  rows: number;
  weights: Float32Array;
  users: number;
  positives: number;
}

/** Feature rows of every candidate of every labelled user, with 0/1 labels (training set of the ranker). */
export function rankerRows(
  src: FittedSources, snap: Snapshot, labels: ReadonlyMap<string, ReadonlySet<number>>, cp: CandidateParams,
  excludeBought: boolean,
): RankerRows {
  const sc = makeScratch(src);
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  let users = 0;
  let positives = 0;
  // In the labels' order (purchasesInWindow's: by first purchase in the window), whatever order events were read in.
  for (const [uid, rel] of labels) {
    const u = snap.userIndex.get(uid);
    if (u === undefined) continue;
    const c = userCandidates(src, snap, u, cp, sc, excludeBought);
    let pos = 0;
    for (const i of c.items) if (rel.has(i)) pos++;
    if (pos === 0) continue;
    users++;
    positives += pos;
    xs.push(c.feats);
    // Every user weighs the same in the loss, whatever their candidate count, as in the per-user metrics.
    const w = 100 / c.items.length;
    for (const i of c.items) {
      ys.push(rel.has(i) ? 1 : 0);
      ws.push(w);
    }
  }
  const rows = ys.length;
  const x = new Float32Array(rows * N_FEATURES);
  let off = 0;
  for (const f of xs) {
    x.set(f, off);
    off += f.length;
  }
  return { x, y: Float32Array.from(ys), rows, weights: Float32Array.from(ws), users, positives };
}

/** Trains one ranker head on rows from {@link rankerRows}. */
export async function trainRanker(
  data: RankerRows, p: RankerParams, seed = 1,
): Promise<MlpWeights> {
  const nets: MlpWeights[] = [];
  for (let b = 0; b < Math.max(1, p.bag ?? 1); b++) {
    nets.push(await trainMlp(data.x, data.y, data.rows, N_FEATURES, {
      hidden: p.hidden, epochs: p.epochs, batchSize: p.batchSize, learningRate: p.learningRate, l2: p.l2,
      seed: seed + 7919 * b, rowWeights: data.weights,
    }));
  }
  return stackMlps(nets);
}

/** Ranker logits for a user's candidate feature rows. */
export function rankCandidates(m: MlpWeights, feats: Float32Array): Float32Array {
  return predictMlp(m, feats, feats.length / N_FEATURES);
}

/** Fewest labelled users (and positives) a ranker head is trained on; below it the fixed blend is used. */
export const MIN_RANKER_USERS = 30;
export const MIN_RANKER_POSITIVES = 100;

/** Hand-set weights of the fixed blend (decayed reorder frequency + EASE + recent popularity). */
const BLEND: Partial<Record<(typeof RANKER_FEATURES)[number], number>> = {
  bought: 2, log_decay_short: 1.5, log_lines: 0.5, ease_share: 2, log_buyers30: 0.3, log_trending_rank: -0.1,
};

/**
 * The fixed blend as a linear "MLP" (no hidden layer, raw features), so scoring and serialisation need no
 * special case. Used when the ranker's training window is too thin to learn from.
 */
export function fixedBlend(): MlpWeights {
  const w = new Float32Array(N_FEATURES);
  RANKER_FEATURES.forEach((name, j) => {
    w[j] = BLEND[name] ?? 0;
  });
  return { sizes: [N_FEATURES, 1], params: [w, new Float32Array(1)], mean: new Float32Array(N_FEATURES), std: new Float32Array(N_FEATURES).fill(1) };
}

/** Concatenates row sets from several windows into one training set. */
export function mergeRows(parts: readonly RankerRows[]): RankerRows {
  const rows = parts.reduce((s, r) => s + r.rows, 0);
  const x = new Float32Array(rows * N_FEATURES);
  const y = new Float32Array(rows);
  const weights = new Float32Array(rows);
  let off = 0;
  for (const r of parts) {
    x.set(r.x, off * N_FEATURES);
    y.set(r.y, off);
    weights.set(r.weights, off);
    off += r.rows;
  }
  return { x, y, rows, weights, users: parts.reduce((s, r) => s + r.users, 0), positives: parts.reduce((s, r) => s + r.positives, 0) };
}

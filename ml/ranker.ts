import { N_FEATURES, makeScratch, userCandidates, type CandidateParams } from './features';
import { predictMlp, trainMlp, type MlpWeights } from './mlp';
import type { Snapshot } from './snapshot';
import type { FittedSources } from './sources';

/** Ranker hyper-parameters (chosen on the validation window). */
export interface RankerParams {
  hidden: number[];
  epochs: number;
  learningRate: number;
  batchSize: number;
  l2: number;
}

export const DEFAULT_RANKER: RankerParams = { hidden: [64, 32], epochs: 6, learningRate: 0.002, batchSize: 1024, l2: 0 };

/** Feature rows of every candidate of every labelled user, with 0/1 labels (training set of the ranker). */
export function rankerRows(
  src: FittedSources, snap: Snapshot, labels: ReadonlyMap<string, ReadonlySet<number>>, cp: CandidateParams,
  excludeBought: boolean,
): { x: Float32Array; y: Float32Array; rows: number; weights: Float32Array } {
  const sc = makeScratch(src);
  const xs: Float32Array[] = [];
  const ys: number[] = [];
  const ws: number[] = [];
  for (const [uid, rel] of labels) {
    const u = snap.userIndex.get(uid);
    if (u === undefined) continue;
    const c = userCandidates(src, snap, u, cp, sc, excludeBought);
    let pos = 0;
    for (const i of c.items) if (rel.has(i)) pos++;
    if (pos === 0) continue;
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
  return { x, y: Float32Array.from(ys), rows, weights: Float32Array.from(ws) };
}

/** Trains one ranker head on rows from {@link rankerRows}. */
export async function trainRanker(
  data: { x: Float32Array; y: Float32Array; rows: number; weights: Float32Array }, p: RankerParams, seed = 1,
): Promise<MlpWeights> {
  return trainMlp(data.x, data.y, data.rows, N_FEATURES, {
    hidden: p.hidden, epochs: p.epochs, batchSize: p.batchSize, learningRate: p.learningRate, l2: p.l2, seed,
    rowWeights: data.weights,
  });
}

/** Ranker logits for a user's candidate feature rows. */
export function rankCandidates(m: MlpWeights, feats: Float32Array): Float32Array {
  return predictMlp(m, feats, feats.length / N_FEATURES);
}

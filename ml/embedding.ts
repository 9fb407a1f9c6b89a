import * as tf from '@tensorflow/tfjs';
import { mulberry32 } from './random';

/**
 * Embedding lookup whose gradient is a scatterND of the upstream gradient into a dense table-shaped tensor.
 * The stock tf.gather gradient needs UnsortedSegmentSum, which the wasm backend lacks; scatterND sums
 * duplicate indices, so this is the same gradient, and it runs on every backend.
 */
export function embeddingLookup(table: tf.Tensor2D, ids: tf.Tensor1D): tf.Tensor2D {
  const [rows, dim] = table.shape;
  const f = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const tbl = args[0] as tf.Tensor2D;
    const save = args[1] as tf.GradSaveFunc;
    save([ids]);
    return {
      value: tf.gather(tbl, ids),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const idx = tf.reshape(saved[0]!, [-1, 1]);
        return tf.scatterND(idx, dy, [rows, dim]);
      },
    };
  });
  return f(table);
}

/** A trained user/item embedding model (float32 tables, row-major). */
export interface EmbeddingModel {
  dim: number;
  users: Float32Array;
  items: Float32Array;
}

/** Options of {@link trainEmbeddings}. */
export interface EmbeddingOptions {
  dim: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
  negatives: number;
  seed?: number;
}

export const DEFAULT_EMBEDDING: EmbeddingOptions = { dim: 32, epochs: 2, batchSize: 2048, learningRate: 0.01, negatives: 3 };

/**
 * Trains user and item embeddings on (user, item) positives with uniformly sampled negatives and logistic loss
 * (dot-product score). Lookups use {@link embeddingLookup}, so it trains on wasm.
 */
export async function trainEmbeddings(
  pairsUser: Int32Array, pairsItem: Int32Array, nUsers: number, nItems: number, o: EmbeddingOptions = DEFAULT_EMBEDDING,
): Promise<EmbeddingModel> {
  const rand = mulberry32(o.seed ?? 5);
  const init = (n: number): Float32Array => new Float32Array(n * o.dim).map(() => (rand() - 0.5) * 0.1);
  const U = tf.variable(tf.tensor2d(init(nUsers), [nUsers, o.dim]));
  const I = tf.variable(tf.tensor2d(init(nItems), [nItems, o.dim]));
  const opt = tf.train.adam(o.learningRate);
  const n = pairsUser.length;
  const per = 1 + o.negatives;
  const bs = o.batchSize;
  const bu = new Int32Array(bs * per);
  const bi = new Int32Array(bs * per);
  const by = new Float32Array(bs * per);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let s = 0; s < n; s += bs) {
      const m = Math.min(bs, n - s);
      let r = 0;
      for (let t = 0; t < m; t++) {
        const p = Math.floor(rand() * n);
        bu[r] = pairsUser[p]!;
        bi[r] = pairsItem[p]!;
        by[r++] = 1;
        for (let q = 0; q < o.negatives; q++) {
          bu[r] = pairsUser[p]!;
          bi[r] = Math.floor(rand() * nItems);
          by[r++] = 0;
        }
      }
      tf.tidy(() => {
        const ut = tf.tensor1d(bu.subarray(0, r), 'int32');
        const it = tf.tensor1d(bi.subarray(0, r), 'int32');
        const yt = tf.tensor1d(by.subarray(0, r));
        opt.minimize(() => {
          const logits = tf.sum(tf.mul(embeddingLookup(U, ut), embeddingLookup(I, it)), 1);
          return tf.losses.sigmoidCrossEntropy<tf.Tensor, tf.Scalar>(yt, logits);
        }, false, [U, I]);
      });
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
  const model = { dim: o.dim, users: Float32Array.from(U.dataSync()), items: Float32Array.from(I.dataSync()) };
  tf.dispose([U, I]);
  opt.dispose();
  return model;
}

/** Dot-product scores of one user against every item. */
export function embeddingScores(m: EmbeddingModel, user: number, out: Float64Array): void {
  const d = m.dim;
  const nItems = m.items.length / d;
  for (let i = 0; i < nItems; i++) {
    let s = 0;
    for (let j = 0; j < d; j++) s += m.users[user * d + j]! * m.items[i * d + j]!;
    out[i] = s;
  }
}

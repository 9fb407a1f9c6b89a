import * as tf from '@tensorflow/tfjs';
import { embeddingLookup, trainEmbeddings } from '../../../ml/embedding';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

describe('custom-gradient embedding lookup', () => {
  test('forward equals tf.gather and gradient equals the stock gather gradient (duplicates summed)', () => {
    const table = tf.randomNormal<tf.Rank.R2>([6, 3], 0, 1, 'float32', 11);
    const ids = tf.tensor1d([4, 1, 4, 0, 4], 'int32');
    const weights = tf.randomNormal([5, 3], 0, 1, 'float32', 12);
    const lossCustom = (t: tf.Tensor) => tf.sum<tf.Scalar>(tf.mul(embeddingLookup(t as tf.Tensor2D, ids), weights));
    const lossStock = (t: tf.Tensor) => tf.sum<tf.Scalar>(tf.mul(tf.gather(t, ids), weights));
    const fwdC = embeddingLookup(table, ids).arraySync();
    const fwdS = tf.gather(table, ids).arraySync();
    expect(fwdC).toEqual(fwdS);
    const gC = tf.grad(lossCustom)(table).arraySync() as number[][];
    const gS = tf.grad(lossStock)(table).arraySync() as number[][];
    for (let r = 0; r < 6; r++) for (let c = 0; c < 3; c++) expect(gC[r]![c]!).toBeCloseTo(gS[r]![c]!, 5);
    // rows never looked up get no gradient; row 4 (three times) gets the sum
    expect(gC[2]).toEqual([0, 0, 0]);
  });

  test('trains: positives end up scoring above random items', async () => {
    // two user groups with disjoint item sets
    const u: number[] = [];
    const i: number[] = [];
    for (let user = 0; user < 20; user++) for (let k = 0; k < 5; k++) {
      u.push(user);
      i.push((user % 2) * 5 + k);
    }
    const m = await trainEmbeddings(Int32Array.from(u), Int32Array.from(i), 20, 10, {
      dim: 8, epochs: 40, batchSize: 64, learningRate: 0.05, negatives: 2, seed: 1,
    });
    const score = (user: number, item: number) => {
      let s = 0;
      for (let d = 0; d < 8; d++) s += m.users[user * 8 + d]! * m.items[item * 8 + d]!;
      return s;
    };
    expect(score(0, 0)).toBeGreaterThan(score(0, 7));
    expect(score(1, 7)).toBeGreaterThan(score(1, 0));
  });
});

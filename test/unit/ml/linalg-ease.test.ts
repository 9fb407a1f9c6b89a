import * as tf from '@tensorflow/tfjs';
import { easeWeights, gramMatrix, cosineFromGram, topNeighbours, accumulateSparse } from '../../../ml/ease';
import { invertSmall, invertSpd } from '../../../ml/linalg';
import { mulberry32 } from '../../../ml/random';

beforeAll(async () => {
  tf.env().set('IS_TEST', true);
  await tf.setBackend('cpu');
});

describe('linear algebra and EASE', () => {
  test('blocked SPD inverse matches Gauss–Jordan and gives A·A⁻¹ = I', () => {
    const n = 37;
    const r = mulberry32(1);
    const a = new Float64Array(n * n);
    for (let i = 0; i < n; i++) for (let j = 0; j <= i; j++) a[i * n + j] = a[j * n + i] = r() - 0.5;
    for (let i = 0; i < n; i++) a[i * n + i]! += n;
    const blocked = invertSpd(Float64Array.from(a), n, 8);
    const exact = invertSmall(Float64Array.from(a), n);
    for (let i = 0; i < n * n; i++) expect(Math.abs(blocked[i]! - exact[i]!)).toBeLessThan(1e-6);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let s = 0;
        for (let k = 0; k < n; k++) s += a[i * n + k]! * blocked[k * n + j]!;
        expect(Math.abs(s - (i === j ? 1 : 0))).toBeLessThan(1e-5);
      }
    }
  });

  test('EASE on a tiny case equals the closed form B = I − P·diag(1/diag P)', () => {
    // users × items: u0 {0,1}, u1 {1,2}, u2 {0,1,2}
    const rowStart = Int32Array.from([0, 2, 4, 7]);
    const item = Int32Array.from([0, 1, 1, 2, 0, 1, 2]);
    const g = gramMatrix(rowStart, item, null, 3);
    expect(Array.from(g)).toEqual([2, 2, 1, 2, 3, 2, 1, 2, 2]);
    const lambda = 1;
    // closed form by hand with the 3×3 inverse
    const a = Float64Array.from(g);
    for (let i = 0; i < 3; i++) a[i * 3 + i]! += lambda;
    const p = invertSmall(Float64Array.from(a), 3);
    const b = easeWeights(Float64Array.from(g), 3, lambda);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        const want = i === j ? 0 : -p[i * 3 + j]! / p[j * 3 + j]!;
        expect(b[i * 3 + j]!).toBeCloseTo(want, 6);
      }
    }
    // P·(G+λI) = I confirms the inverse itself
    for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) {
      let s = 0;
      for (let k = 0; k < 3; k++) s += p[i * 3 + k]! * a[k * 3 + j]!;
      expect(s).toBeCloseTo(i === j ? 1 : 0, 10);
    }
  });

  test('cosine zeroes the diagonal; sparse neighbours keep the strongest and score like the dense rows', () => {
    const g = Float64Array.from([2, 2, 1, 2, 3, 2, 1, 2, 2]);
    const c = cosineFromGram(g, 3);
    expect(c[0]).toBe(0);
    expect(c[1]).toBeCloseTo(2 / Math.sqrt(6), 6);
    const nb = topNeighbours(c, 3, 2);
    const out = new Float64Array(3);
    accumulateSparse(out, nb, [0], null);
    expect(out[1]).toBeCloseTo(c[1]!, 6);
    expect(out[2]).toBeCloseTo(c[2]!, 6);
  });
});

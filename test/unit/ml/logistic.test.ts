import { fitLogistic, predictLogistic } from '../../../ml/logistic';
import { mulberry32 } from '../../../ml/random';

describe('weighted logistic regression', () => {
  const rand = mulberry32(7);
  const rows = 400;
  const d = 3;
  const x = Float64Array.from({ length: rows * d }, () => rand() * 2 - 1);
  const y = Float32Array.from({ length: rows }, (_, r) => (rand() < 1 / (1 + Math.exp(-(2 * x[r * d]! - x[r * d + 1]!))) ? 1 : 0));

  it('weight 2 on a row fits like that row twice', () => {
    const w = Float32Array.from({ length: rows }, (_, r) => (r < 100 ? 2 : 1));
    const dup = new Float64Array((rows + 100) * d);
    dup.set(x);
    dup.set(x.subarray(0, 100 * d), rows * d);
    const dupY = Float32Array.from({ length: rows + 100 }, (_, r) => y[r < rows ? r : r - rows]!);
    const weighted = fitLogistic(x, y, rows, d, 0, w);
    const duplicated = fitLogistic(dup, dupY, rows + 100, d, 0);
    // Same loss up to standardisation, which uses the unweighted rows: compare predictions, not coefficients.
    for (let r = 0; r < 20; r++) {
      const row = Array.from(x.subarray(r * d, (r + 1) * d));
      expect(predictLogistic(weighted, row)).toBeCloseTo(predictLogistic(duplicated, row), 6);
    }
  });

  it('unit weights change nothing', () => {
    const a = fitLogistic(x, y, rows, d, 1e-3);
    const b = fitLogistic(x, y, rows, d, 1e-3, new Float32Array(rows).fill(1));
    expect(Array.from(b.coef)).toEqual(Array.from(a.coef));
  });
});

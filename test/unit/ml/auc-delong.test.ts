import { pairedAucDifference } from '../../../ml/auc-delong';
import { rocAuc } from '../../../ml/metrics';
import { mulberry32 } from '../../../ml/random';

/** DeLong's variance of AUC(a) − AUC(b) straight from its definition: O(buyers × non-buyers). */
function bruteForce(a: number[], b: number[], y: number[]): { diff: number; se: number } {
  const pos = y.flatMap((v, i) => (v > 0 ? [i] : []));
  const neg = y.flatMap((v, i) => (v > 0 ? [] : [i]));
  const psi = (s: number[], i: number, j: number): number => (s[i]! > s[j]! ? 1 : s[i] === s[j] ? 0.5 : 0);
  const v10 = (s: number[]) => pos.map((i) => neg.reduce((t, j) => t + psi(s, i, j), 0) / neg.length);
  const v01 = (s: number[]) => neg.map((j) => pos.reduce((t, i) => t + psi(s, i, j), 0) / pos.length);
  const sampleVar = (xs: number[]) => {
    const m = xs.reduce((t, x) => t + x, 0) / xs.length;
    return xs.reduce((t, x) => t + (x - m) ** 2, 0) / (xs.length - 1);
  };
  const d10 = v10(a).map((v, k) => v - v10(b)[k]!);
  const d01 = v01(a).map((v, k) => v - v01(b)[k]!);
  return { diff: d10.reduce((t, x) => t + x, 0) / pos.length, se: Math.sqrt(sampleVar(d10) / pos.length + sampleVar(d01) / neg.length) };
}

describe('DeLong standard error of an AUC difference', () => {
  it('equals the definition, ties included, and its difference is the two AUCs\' difference', () => {
    const r = mulberry32(11);
    const y = Array.from({ length: 120 }, () => (r() < 0.3 ? 1 : 0));
    // Rounded scores: many ties, within and across the classes.
    const a = y.map((v) => Math.round((v + r() * 1.5) * 4) / 4);
    const b = y.map((v, i) => Math.round((0.5 * v + a[i]! * 0.5 + r()) * 4) / 4);
    const got = pairedAucDifference(a, b, y)!;
    const want = bruteForce(a, b, y);
    expect(got.diff).toBeCloseTo(want.diff, 12);
    expect(got.diff).toBeCloseTo(rocAuc(a, y) - rocAuc(b, y), 12);
    expect(got.se).toBeCloseTo(want.se, 12);
    expect(got.se).toBeGreaterThan(0);
  });

  it('is 0 for a scorer against itself, infinite with one buyer, and undefined with one class', () => {
    const y = [1, 0, 1, 0, 0, 1];
    const a = [0.9, 0.1, 0.4, 0.5, 0.2, 0.7];
    expect(pairedAucDifference(a, a, y)).toEqual({ diff: 0, se: 0 });
    expect(pairedAucDifference(a, [0.1, 0.2, 0.3, 0.4, 0.5, 0.6], [1, 0, 0, 0, 0, 0])!.se).toBe(Infinity);
    expect(pairedAucDifference(a, a, [1, 1, 1, 1, 1, 1])).toBeNull();
  });
});

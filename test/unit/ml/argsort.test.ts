import { argsortDesc } from '../../../ml/argsort';
import { mulberry32 } from '../../../ml/random';

describe('argsortDesc', () => {
  const reference = (vals: Float64Array): number[] => Array.from(vals, (_, i) => i).sort((a, b) => vals[b]! - vals[a]! || a - b);

  it('orders indices by value, highest first, ties to the lower index, as the comparator sort does', () => {
    const rand = mulberry32(11);
    for (const n of [0, 1, 2, 5, 16, 17, 40, 160, 1000]) {
      for (const tieShare of [0, 0.4, 1]) {
        // Ties (many zeros, a few repeated values), infinities and signed zeros: what candidate scores hold.
        const vals = Float64Array.from({ length: n }, () => {
          const r = rand();
          if (r < tieShare) return r < tieShare / 2 ? 0 : -0;
          if (r > 0.99) return Infinity;
          return Math.round(rand() * 20) / 4 - 2;
        });
        const order = new Int32Array(n).map((_, i) => i);
        argsortDesc(vals, order, n);
        expect(Array.from(order)).toEqual(reference(vals));
      }
    }
  });

  it('sorts only the first n entries', () => {
    const vals = Float64Array.of(1, 3, 2, 9);
    const order = Int32Array.of(0, 1, 2, 3);
    argsortDesc(vals, order, 3);
    expect(Array.from(order)).toEqual([1, 2, 0, 3]);
  });
});

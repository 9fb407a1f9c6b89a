import { similarItems } from '../../../ml/similar';
import { buildSnapshot } from '../../../ml/snapshot';
import { fitSources } from '../../../ml/sources';
import type { EventRecord } from '../../../ml/types';

const T = Date.UTC(2024, 0, 1);
const H = 3_600_000;

/** Customers' baskets as purchase events, one hour apart. */
function events(baskets: string[][]): EventRecord[] {
  const out: EventRecord[] = [];
  baskets.forEach((items, u) => items.forEach((it, p) => out.push({
    userId: `u${u}`, itemId: it, type: 'purchase', ts: T + (u * 10 + p) * H, quantity: 1, price: 1, query: null, dwellMs: null, sessionId: null,
  })));
  return out;
}

describe('served similar items cover the whole catalogue', () => {
  // a, b and c are the best sellers; x, y, z are the tail (a dense block of 3 items would leave them out); "solo" is
  // only ever bought alone, so nothing co-occurs with it.
  const baskets = [
    ['a', 'b'], ['a', 'b', 'c'], ['a', 'c'], ['b', 'c'], ['a', 'b'], ['a', 'x'], ['x', 'y'], ['x', 'y'], ['y', 'z'], ['solo'],
  ];
  const snap = buildSnapshot(events(baskets), T + 200 * H);
  const rowsOf = (minCooccurrence: number, reason?: 'bought-with' | 'similar-interest'): Map<string, string[]> => {
    const src = fitSources(snap, { lambda: 1, neighbours: 5, maxDenseItems: 3, minCooccurrence });
    const by = new Map<string, string[]>();
    for (const r of similarItems(src, 4)) if (!reason || r.reason === reason) by.set(r.itemId, [...(by.get(r.itemId) ?? []), r.similarItemId]);
    return by;
  };

  test('tail items outside the dense block get co-purchase neighbours; an item never bought with another gets none', () => {
    const by = rowsOf(1);
    expect([...by.keys()].sort()).toEqual(['a', 'b', 'c', 'x', 'y', 'z']);
    expect(by.get('z')).toEqual(['y']);
    expect(by.get('y')![0]).toBe('x');
    expect(by.get('x')).toEqual(expect.arrayContaining(['y', 'a']));
  });

  test('a minimum co-occurrence leaves out the pairs seen once from the co-purchase rows; EASE still links a tail item to the block', () => {
    const by = rowsOf(2, 'bought-with');
    // x–y were bought together twice; y–z, a–x once.
    expect(by.get('x')).toEqual(['y']);
    expect(by.get('y')).toEqual(['x']);
    expect(by.has('z')).toBe(false);
    // EASE has no minimum: x (outside the 3-item block) joins it through its one buyer of a (ease-tail.ts), and
    // tail items are never linked to each other by it.
    const ease = rowsOf(2, 'similar-interest');
    expect(ease.get('x')).toEqual(['a']);
    expect(ease.has('z')).toBe(false);
  });
});

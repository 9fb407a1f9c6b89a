import { accumulateSparse, type SparseNeighbours } from '../../../ml/ease';
import { fitChampion, scoreUsers, selectBackend, type EventRecord } from '../../../ml';
import { mulberry32 } from '../../../ml/random';
import { noTop, sharedTop } from '../../../ml/features';
import { SparseScores } from '../../../ml/sparse-scores';
import { topK } from '../../../ml/topk';

/** Random neighbour lists with padding (−1), zero and negative weights, and ties. */
function neighbours(n: number, width: number, rand: () => number): SparseNeighbours {
  const index = new Int32Array(n * width).fill(-1);
  const weight = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const used = Math.floor(rand() * (width + 1));
    for (let r = 0; r < used; r++) {
      index[i * width + r] = Math.floor(rand() * n);
      const w = rand();
      weight[i * width + r] = w < 0.1 ? 0 : w < 0.2 ? -w : w < 0.3 ? 0.5 : w;
    }
  }
  return { n, width, index, weight };
}

describe('sparse per-customer scores', () => {
  test('hold what the dense accumulation holds and rank exactly as topK over it, customer after customer', () => {
    const rand = mulberry32(11);
    const n = 300;
    const nb = neighbours(n, 6, rand);
    const sparse = new SparseScores(n);
    let compared = 0;
    for (let user = 0; user < 200; user++) {
      const hist = Array.from({ length: Math.floor(rand() * 12) }, () => Math.floor(rand() * n));
      const values = hist.map(() => (rand() < 0.15 ? -rand() : rand()));
      const dense = new Float64Array(n);
      const from = new Int32Array(n).fill(-1);
      const best = new Float64Array(n);
      accumulateSparse(dense, nb, hist, values, from, best);
      sparse.clear();
      sparse.accumulate(nb, hist, values, true);
      expect(Array.from(sparse.values)).toEqual(Array.from(dense));
      expect(Array.from(sparse.from)).toEqual(Array.from(from));
      const exclude = new Uint8Array(n);
      for (const i of hist) if (rand() < 0.5) exclude[i] = 1;
      for (let i = 0; i < 20; i++) exclude[Math.floor(rand() * 30)] = 1;
      for (const k of [0, 1, 7, 40, n + 5]) {
        expect(Array.from(sparse.topK(k))).toEqual(Array.from(topK(dense, k)));
        expect(Array.from(sparse.topK(k, exclude))).toEqual(Array.from(topK(dense, k, exclude)));
        compared++;
      }
    }
    expect(compared).toBe(1000);
  });

  test('on a shared base (popularity with ties), rank exactly as topK over base plus the customer\'s additions', () => {
    const rand = mulberry32(3);
    const n = 250;
    const nb = neighbours(n, 5, rand);
    const base = Float64Array.from({ length: n }, () => Math.floor(rand() * 6) * 1e-3);
    const sparse = new SparseScores(n, base);
    for (let user = 0; user < 100; user++) {
      const hist = Array.from({ length: Math.floor(rand() * 8) }, () => Math.floor(rand() * n));
      const dense = Float64Array.from(base);
      accumulateSparse(dense, nb, hist, null);
      sparse.clear();
      sparse.accumulate(nb, hist, null);
      for (const i of hist.slice(0, 2)) {
        dense[i]! += 5;
        sparse.add(i, 5);
      }
      expect(Array.from(sparse.values)).toEqual(Array.from(dense));
      const exclude = new Uint8Array(n);
      for (const i of hist) if (rand() < 0.5) exclude[i] = 1;
      const excluded = exclude.reduce((c, v) => c + v, 0);
      for (const k of [1, 10, 60, n]) {
        expect(Array.from(sparse.topK(k))).toEqual(Array.from(topK(dense, k)));
        expect(Array.from(sparse.topK(k, exclude))).toEqual(Array.from(topK(dense, k, exclude)));
        // One top list of k + |excluded| serves both the for-you (nothing excluded) and the discover candidates.
        const shared = noTop();
        expect(Array.from(sharedTop(shared, sparse, k, excluded, exclude))).toEqual(Array.from(topK(dense, k, exclude)));
        expect(Array.from(sharedTop(shared, sparse, k, excluded, null))).toEqual(Array.from(topK(dense, k)));
      }
    }
  });
});

describe('scoring with the model\'s reused buffers', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  test('serves each customer the same lists whether scored alone, in a slice or in another order', async () => {
    const rand = mulberry32(5);
    const day = 86_400_000;
    const t0 = Date.UTC(2024, 0, 1);
    const events: EventRecord[] = [];
    for (let u = 0; u < 120; u++) {
      const taste = Math.floor(rand() * 40);
      for (let d = 0; d < 90; d++) {
        if (rand() > 0.08) continue;
        for (let j = 0; j < 1 + Math.floor(rand() * 4); j++) {
          const item = rand() < 0.6 ? taste + Math.floor(rand() * 8) : Math.floor(rand() * 60);
          const type = rand() < 0.5 ? 'purchase' : 'view';
          events.push({
            userId: `u${u}`, itemId: `i${item}`, type, ts: t0 + d * day + 3_600_000 * (j + 1), quantity: type === 'purchase' ? 1 : null,
            price: type === 'purchase' ? 2 : null, query: null, dwellMs: null, sessionId: `s${u}-${d}`,
          });
        }
      }
    }
    events.sort((a, b) => a.ts - b.ts);
    const asOf = t0 + 90 * day;
    const model = await fitChampion(events, { asOf, k: 10, horizonDays: 14 });
    const ids = [...new Set(events.map((e) => e.userId))].sort();
    ids.push('never-seen');
    const together = scoreUsers(model, events, ids, { k: 10 });
    const reversed = scoreUsers(model, events, [...ids].reverse(), { k: 10 }).reverse();
    expect(reversed).toEqual(together);
    for (const u of [ids[0]!, ids[17]!, ids[ids.length - 2]!, 'never-seen']) {
      const alone = scoreUsers(model, events.filter((e) => e.userId === u), [u], { k: 10 });
      expect(alone).toEqual(together.filter((s) => s.userId === u));
    }
    expect(together.every((s) => s.forYou.length === 10)).toBe(true);
  }, 60_000);
});

import { brierScore, catalogueCoverage, intraListDiversity, ndcgAtK, recallAtK, reciprocalRank, reliabilityTable, rocAuc } from '../../../ml/metrics';
import { topK } from '../../../ml/topk';
import { kFoldAssignments } from '../../../ml/random';

describe('ranking metrics (hand-computed)', () => {
  const rel = new Set([2, 5, 9]);
  const list = [5, 1, 9, 3];

  test('recall uses min(|rel|, K) as denominator', () => {
    expect(recallAtK(list, rel, 4)).toBeCloseTo(2 / 3, 12);
    expect(recallAtK(list, rel, 2)).toBeCloseTo(1 / 2, 12); // one hit in top 2, denominator min(3,2)=2
    expect(recallAtK(list, new Set(), 4)).toBe(0);
  });

  test('NDCG with binary gains', () => {
    // hits at ranks 1 and 3: DCG = 1 + 1/log2(4) = 1.5; IDCG (3 relevant, K=4) = 1 + 1/log2(3) + 1/2
    const idcg = 1 + 1 / Math.log2(3) + 0.5;
    expect(ndcgAtK(list, rel, 4)).toBeCloseTo(1.5 / idcg, 12);
    expect(ndcgAtK([2, 5, 9], rel, 3)).toBeCloseTo(1, 12);
  });

  test('reciprocal rank of the first hit', () => {
    expect(reciprocalRank([1, 3, 9], rel)).toBeCloseTo(1 / 3, 12);
    expect(reciprocalRank([1, 3], rel)).toBe(0);
  });

  test('coverage and diversity', () => {
    expect(catalogueCoverage([[0, 1], [1, 2]], 6)).toBeCloseTo(0.5, 12);
    // buyers: item0 {0,1}, item1 {1,2}, item2 {3}; cos(0,1)=1/2, cos(0,2)=0, cos(1,2)=0
    const buyers = [Int32Array.from([0, 1]), Int32Array.from([1, 2]), Int32Array.from([3])];
    expect(intraListDiversity([[0, 1]], buyers)).toBeCloseTo(0.5, 12);
    expect(intraListDiversity([[0, 1, 2]], buyers)).toBeCloseTo(1 - 0.5 / 3, 12);
  });

  test('AUC with ties and Brier score', () => {
    expect(rocAuc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBeCloseTo(0.75, 12);
    expect(rocAuc([0.5, 0.5], [0, 1])).toBeCloseTo(0.5, 12);
    expect(brierScore([0.9, 0.2], [1, 0])).toBeCloseTo((0.01 + 0.04) / 2, 12);
    const table = reliabilityTable([0.05, 0.15, 0.12], [0, 1, 0], 10);
    expect(table[1]!.count).toBe(2);
    expect(table[1]!.observedRate).toBeCloseTo(0.5, 12);
  });

  test('topK: best first, ties to the lower index, exclusions honoured', () => {
    expect(Array.from(topK([3, 9, 9, 1, 7], 3))).toEqual([1, 2, 4]);
    expect(Array.from(topK([3, 9, 9, 1, 7], 2, Uint8Array.from([0, 1, 0, 0, 0])))).toEqual([2, 4]);
  });

  test('k-fold assignments are balanced and cover every row', () => {
    const f = kFoldAssignments(23, 5);
    const counts = [0, 0, 0, 0, 0];
    for (const v of f) counts[v]! += 1;
    expect(counts.reduce((a, b) => a + b, 0)).toBe(23);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(1);
  });
});

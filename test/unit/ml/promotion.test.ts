import { servedGateMetrics, shouldPromote } from '../../../ml/promotion';

const m = (ndcg: number, k = 20) => ({ for_you: { [`recall_at_${k}`]: 0.3, [`ndcg_at_${k}`]: ndcg } });

describe('promotion gate', () => {
  test('promotes when there is no active model', () => {
    expect(shouldPromote(m(0.3), null, 0.01).promote).toBe(true);
  });
  test('promotes only above the margin', () => {
    expect(shouldPromote(m(0.35), m(0.33), 0.01).promote).toBe(true);
    const r = shouldPromote(m(0.335), m(0.33), 0.01);
    expect(r.promote).toBe(false);
    expect(r.reason).toContain('kept inactive');
  });
  test('a worse candidate never replaces the active one (rollback stays possible by activation)', () => {
    expect(shouldPromote(m(0.2), m(0.33), 0).promote).toBe(false);
  });
  test('refuses incomparable or missing figures', () => {
    expect(shouldPromote(m(0.4, 10), m(0.3, 20), 0).promote).toBe(false);
    expect(shouldPromote({ for_you: {} }, m(0.3), 0).promote).toBe(false);
    expect(shouldPromote({ for_you: { ndcg_at_20: Number.NaN } }, null, 0).promote).toBe(false);
  });
  test('reads the served for-you list when lists were chosen on the holdout, the ranker alone otherwise', () => {
    const chosen = { ...m(0.30), selection: { for_you: { metric: 'ndcg_at_20', served_value: 0.36 } } };
    expect(servedGateMetrics(chosen)).toEqual({ for_you: { ndcg_at_20: 0.36 } });
    expect(servedGateMetrics(m(0.3))).toEqual(m(0.3));
    expect(shouldPromote(servedGateMetrics(chosen), servedGateMetrics(m(0.33)), 0).promote).toBe(true);
  });
});

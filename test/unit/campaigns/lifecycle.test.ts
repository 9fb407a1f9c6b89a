import { churnScores, churnWarnings, lifecycleStage, lifecycleTable, DEFAULT_LIFECYCLE_RULES } from '../../../ml/lifecycle';
import { buildSnapshot } from '../../../ml/snapshot';
import type { EventRecord } from '../../../ml/types';

const DAY = 86_400_000;
const buy = (userId: string, day: number, price = 10, quantity = 1): EventRecord => ({
  userId, itemId: 'sku', type: 'purchase', ts: day * DAY, quantity, price, query: null, dwellMs: null, sessionId: `${userId}-${day}`,
});
const view = (userId: string, day: number): EventRecord => ({ ...buy(userId, day), type: 'view', quantity: null, price: null, sessionId: null });

describe('lifecycle stages', () => {
  const rules = DEFAULT_LIFECYCLE_RULES;
  it('follow the stated rules: new first, then lapsed, then the churn probability', () => {
    expect(lifecycleStage(10, 10, 0.9, rules)).toBe('new');
    expect(lifecycleStage(400, 181, 0.1, rules)).toBe('lapsed');
    expect(lifecycleStage(400, 40, 0.5, rules)).toBe('at_risk');
    expect(lifecycleStage(400, 40, 0.49, rules)).toBe('active');
    expect(lifecycleStage(30, 1, 0.9, rules)).toBe('new');
    expect(lifecycleStage(31, 180, 0.1, { ...rules, lapsedDays: 179 })).toBe('lapsed');
  });

  it('rank at-risk customers by value at risk (P(no purchase) × expected 90-day spend) and nobody else', () => {
    const events = [
      // big: spent 900 over 180 days → 450 per 90 days; small: 90 over 180 days → 45.
      buy('big', 0, 300), buy('big', 90, 300), buy('big', 179, 300),
      buy('small', 0, 30), buy('small', 90, 30), buy('small', 179, 30),
      buy('fresh', 175, 50), buy('old', 0, 100), view('browser', 170),
    ];
    const snap = buildSnapshot(events, 180 * DAY);
    const p = snap.userIds.map((u) => ({ big: 0.6, small: 0.9, fresh: 0.9, old: 0.9, browser: 0.99 })[u as 'big']);
    const rows = lifecycleTable(snap, p);
    const by = new Map(rows.map((r) => [r.userId, r] as const));
    expect(by.get('fresh')!.stage).toBe('new');
    expect(by.get('browser')!.stage).toBe('new');
    expect(by.get('browser')!.expectedSpend90d).toBe(0);
    expect(by.get('big')!.expectedSpend90d).toBeCloseTo(450, 6);
    expect(by.get('big')!.valueAtRisk).toBeCloseTo(270, 6);
    expect(by.get('small')!.valueAtRisk).toBeCloseTo(40.5, 6);
    expect(by.get('old')!).toMatchObject({ stage: 'at_risk', recencyDays: 180, frequency: 1, monetary: 100 });
    expect(churnWarnings(rows).map((r) => [r.userId, r.churnRank])).toEqual([['big', 1], ['old', 2], ['small', 3]]);
    expect(rows.filter((r) => r.stage !== 'at_risk').every((r) => r.churnRank === null)).toBe(true);
  });

  it('falls back to a stated Poisson rate when the history has purchases on a single day', async () => {
    const events = [buy('a', 10), buy('b', 10), buy('b', 10, 5, 2)];
    const snap = buildSnapshot(events, 20 * DAY);
    const s = await churnScores(events, snap);
    expect(s.method).toBe('poisson-rate');
    expect(s.fallbacks[0]).toMatch(/1 distinct day/);
    for (const p of s.pNoPurchase) {
      expect(p).toBeGreaterThan(0);
      expect(p).toBeLessThan(1);
    }
  });
});

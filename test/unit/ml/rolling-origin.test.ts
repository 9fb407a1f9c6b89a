import { planHoldout } from '../../../ml/holdout';
import { planCuts } from '../../../ml/rolling-origin';
import { spreadOf } from '../../../ml/spread';
import type { EventRecord } from '../../../ml/types';

const DAY = 86_400_000;
const T0 = Date.UTC(2024, 0, 1);

const buy = (userId: string, itemId: string, day: number): EventRecord => ({
  userId, itemId, type: 'purchase', ts: T0 + day * DAY + 3_600_000, quantity: 1, price: null, query: null, dwellMs: null, sessionId: null,
});

/** `users` customers, each buying on every `every`-th day (offset by customer) from `from` to `to` (item = customer mod 5). */
function steadyShop(users: number, every: number, from: number, to: number): EventRecord[] {
  const out: EventRecord[] = [];
  for (let u = 0; u < users; u++) for (let d = from + (u % every); d <= to; d += every) out.push(buy(`c${u}`, `i${(u + d) % 5}`, d));
  return out;
}

describe('rolling-origin cut planning', () => {
  it('cuts at lastTs − h, − 2h, − 3h, each followed by one horizon, when history and test customers allow', () => {
    const events = steadyShop(150, 10, 0, 199);
    const plan = planHoldout(events, 30);
    const cuts = planCuts(events, 30, plan, 3);
    const lastTs = Math.max(...events.map((e) => e.ts));
    expect(cuts.cuts.map((c) => c.splitTs)).toEqual([lastTs - 30 * DAY, lastTs - 60 * DAY, lastTs - 90 * DAY]);
    // The windows follow each other without overlap: each older one ends where the newer one starts.
    expect(cuts.cuts[1]!.testEndTs).toBe(cuts.cuts[0]!.splitTs);
    expect(cuts.cuts[2]!.testEndTs).toBe(cuts.cuts[1]!.splitTs);
    expect(cuts.cuts[0]!.testEndTs).toBe(plan.testEndTs);
    for (const c of cuts.cuts) expect(c.testUsers).toBe(150);
    expect(cuts.note).toMatch(/^3 cuts, each followed by 30 test days/);
  });

  it('stops where a cut would keep less than two horizons of history, and says so', () => {
    // 100 days of data: the second cut (day ~39) has 39 days of history, under 2 × 30.
    const events = steadyShop(150, 10, 0, 99);
    const cuts = planCuts(events, 30, planHoldout(events, 30), 3);
    expect(cuts.cuts).toHaveLength(1);
    expect(cuts.note).toMatch(/^1 of 3 requested cuts.*would have 39 days of history \(needs 60\)/);
  });

  it('stops where an older window holds too few test customers', () => {
    // Customers 0–119 buy all along; 120–249 only in the last 50 days: the older windows hold 120 (< 150).
    const events = [...steadyShop(120, 10, 0, 199), ...steadyShop(250, 10, 150, 199).filter((e) => Number(e.userId.slice(1)) >= 120)];
    const plan = planHoldout(events, 30);
    expect(plan.testUsers).toBe(250);
    const cuts = planCuts(events, 30, plan, 3, { minUsers: 150 });
    expect(cuts.cuts).toHaveLength(1);
    expect(cuts.note).toMatch(/holds 120 test customers \(needs 150\)/);
  });

  it('the last-basket protocol has a single cut, and says so', () => {
    const events: EventRecord[] = [];
    for (let u = 0; u < 110; u++) events.push(buy(`c${u}`, `i${u % 7}`, u), buy(`c${u}`, `i${(u + 1) % 7}`, u + 5));
    const plan = planHoldout(events, 7);
    expect(plan.protocol).toBe('last-basket');
    const cuts = planCuts(events, 7, plan, 3);
    expect(cuts.cuts).toHaveLength(1);
    expect(cuts.cuts[0]!.heldOutBaskets).toBe(plan.heldOutBaskets);
    expect(cuts.note).toMatch(/last-basket holdout: a single cut/);
  });

  it('runs fewer cuts on a big shop and says so', () => {
    const events = steadyShop(150, 10, 0, 199);
    const cuts = planCuts(events, 30, planHoldout(events, 30), 3, { bigShop: { events: 1000, cuts: 1 } });
    expect(cuts.cuts).toHaveLength(1);
    expect(cuts.note).toMatch(new RegExp(`${events.length} events \\(> 1000\\): 1 of the 3 cuts run`));
  });
});

describe('spread over cuts', () => {
  it('mean (weighted when weights are given), extremes and standard deviation', () => {
    const s = spreadOf([0.2, 0.4]);
    expect(s).toMatchObject({ min: 0.2, max: 0.4 });
    expect(s.mean).toBeCloseTo(0.3, 12);
    expect(s.std).toBeCloseTo(0.1, 12);
    expect(spreadOf([0.2, 0.4], [3, 1]).mean).toBeCloseTo(0.25, 12);
    expect(spreadOf([])).toEqual({ mean: 0, min: 0, max: 0, std: 0 });
  });
});

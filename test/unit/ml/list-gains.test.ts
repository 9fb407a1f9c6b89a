import { customerNdcg, gainOf, gainStandardError, poolGains, type Gain, type Gains } from '../../../ml/list-gains';
import { candidateChoices, choiceName } from '../../../ml/list-policy';
import { chooseList, describeSelection, type SelectionReport } from '../../../ml/list-selection';
import { poolSelections } from '../../../ml/pooled-selection';

const K = 20;

/** A gain with mean `mean` and per-customer standard deviation `sd` over `users` customers. */
const gain = (users: number, mean: number, sd: number): Gain => ({ users, mean, mean_sq: sd * sd + mean * mean });

/**
 * One list's comparison: every choice scores 0.1 except those named in `ndcg`; every composite's gain over
 * every baseline is `mean` = its lead with per-customer sd `sd` over `users` customers.
 */
function compare(list: 'for_you' | 'discover', ndcg: Record<string, number>, users: number, sd: number, sdOf: Record<string, number> = {}) {
  const choices = candidateChoices(list);
  const v = (name: string): number => ndcg[name] ?? 0.1;
  const figures = choices.map((c) => ({ [`ndcg_at_${K}`]: v(choiceName(c, list)) }));
  const names = choices.map((c) => choiceName(c, list));
  const single = (n: string): boolean => !n.includes('+') && !n.startsWith('champion');
  const gains: Gains = Object.fromEntries(names.filter((n) => !single(n)).map((a) => [a,
    Object.fromEntries(names.filter(single).map((b) => [b, gain(users, v(a) - v(b), sdOf[a] ?? sd)]))]));
  return { choices, figures, gains };
}

describe('per-customer gains', () => {
  it('pool exactly: two halves pooled give the whole set\'s mean, mean square and standard error', () => {
    const a = Float64Array.from([0.5, 0.2, NaN, 0.9, 0.1, 0.4]);
    const b = Float64Array.from([0.4, 0.3, NaN, 0.6, 0.1, 0.1]);
    const whole = gainOf(a, b);
    const pooled = poolGains([{ x: { y: gainOf(a, b, (t) => t % 2 === 0) } }, { x: { y: gainOf(a, b, (t) => t % 2 === 1) } }]).x!.y!;
    // The customer with no truth (NaN) is not measured.
    expect(whole.users).toBe(5);
    const d = [0.1, -0.1, 0.3, 0, 0.3];
    expect(whole.mean).toBeCloseTo(d.reduce((s, x) => s + x, 0) / 5, 12);
    expect(pooled.users).toBe(5);
    expect(pooled.mean).toBeCloseTo(whole.mean, 12);
    expect(pooled.mean_sq).toBeCloseTo(whole.mean_sq, 12);
    const m = whole.mean;
    expect(gainStandardError(whole)).toBeCloseTo(Math.sqrt(d.reduce((s, x) => s + (x - m) ** 2, 0) / 5 / 4), 12);
  });

  it('one customer is no evidence; NDCG per customer skips an empty truth', () => {
    expect(gainStandardError({ users: 1, mean: 0.5, mean_sq: 0.25 })).toBe(Infinity);
    const n = customerNdcg([[1, 2], [3]], [new Set([2]), new Set()], K);
    expect(n[0]).toBeCloseTo(1 / Math.log2(3), 12);
    expect(Number.isNaN(n[1]!)).toBe(true);
  });
});

describe('choosing a list: a composite must lead the best baseline by more than one standard error', () => {
  it('serves the best single baseline when the composite ahead of it leads within noise, and says so', () => {
    // champion+personal_knn leads personal_knn by 0.002; per-customer sd 0.2 over 2,000 customers: se ≈ 0.0045.
    const { choices, figures, gains } = compare('for_you', { 'champion+personal_knn': 0.302, personal_knn: 0.3, champion: 0.29 }, 2000, 0.2);
    const s = chooseList('for_you', choices, figures, K, gains);
    expect(s.served).toBe('personal_knn');
    expect(s.margin_vs_best_baseline).toBe(0);
    expect(s.margin_vs_champion).toBeCloseTo(0.01, 12);
    expect(s.within_noise).toEqual([{ choice: 'champion+personal_knn', gain: expect.closeTo(0.002, 12) as number, se: expect.closeTo(0.2 / Math.sqrt(1999), 9) as number }]);
    expect(describeSelection({ k: K, test_users: 2000, discover_users: 2000, for_you: s, discover: s }))
      .toContain('champion+personal_knn set aside, its lead over personal_knn 0.0020 within one standard error 0.0045');
    // Without measured gains (an older report) the best figure is served, as before.
    expect(chooseList('for_you', choices, figures, K).served).toBe('champion+personal_knn');
  });

  it('serves a composite whose lead is clear, even below one that is within noise; the champion may end up below the served baseline', () => {
    // 2,000 customers. The blend leads ease by 0.006 but its per-customer sd is 0.3 (se ≈ 0.0067): noise. The
    // champion leads by 0.004 with sd 0.05 (se ≈ 0.0011): clear, so it is served below the blend.
    const c = compare('discover', { 'champion+ease': 0.306, champion: 0.304, ease: 0.3 }, 2000, 0.05, { 'champion+ease': 0.3 });
    const s = chooseList('discover', c.choices, c.figures, K, c.gains);
    expect(s.served).toBe('champion');
    expect(s.within_noise?.map((w) => w.choice)).toEqual(['champion+ease']);
    // Both clear: the best figure is served, nothing set aside.
    const clear = compare('discover', { 'champion+ease': 0.306, champion: 0.304, ease: 0.3 }, 2000, 0.05);
    const t = chooseList('discover', clear.choices, clear.figures, K, clear.gains);
    expect(t.served).toBe('champion+ease');
    expect(t.within_noise).toBeUndefined();
    // Only the champion leads, by 0.0001: the baseline is served, 0.0001 below the champion.
    const thin = compare('discover', { champion: 0.3001, ease: 0.3 }, 2000, 0.05);
    const u = chooseList('discover', thin.choices, thin.figures, K, thin.gains);
    expect(u.served).toBe('ease');
    expect(u.margin_vs_champion).toBeCloseTo(-0.0001, 12);
    expect(u.within_noise?.map((w) => w.choice)).toEqual(['champion']);
  });

  it('pools the gains over the cuts: leads within noise on each small cut can be clear over all of them', () => {
    // Each cut: lead 0.01, sd 0.2, 300 customers (se ≈ 0.0116); pooled over 3 cuts, 900 customers (se ≈ 0.0067).
    const cut = (): SelectionReport => {
      const make = (list: 'for_you' | 'discover') => {
        const c = compare(list, { champion: 0.31, personal_count: 0.3 }, 300, 0.2);
        return chooseList(list, c.choices, c.figures, K, c.gains);
      };
      return { k: K, test_users: 300, discover_users: 300, for_you: make('for_you'), discover: make('discover') };
    };
    const cuts = [cut(), cut(), cut()];
    expect(cuts[0]!.for_you.served).toBe('personal_count');
    const pooled = poolSelections(cuts, ['2024-06-01', '2024-05-02', '2024-04-02']);
    expect(pooled.for_you.served).toBe('champion');
    expect(pooled.for_you.gains!.champion!.personal_count!.users).toBe(900);
    expect(pooled.discover.served).toBe('champion');
  });
});

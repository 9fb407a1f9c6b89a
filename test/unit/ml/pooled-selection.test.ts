import { candidateChoices, choiceName } from '../../../ml/list-policy';
import { chooseList, type SelectionReport } from '../../../ml/list-selection';
import { poolSelections } from '../../../ml/pooled-selection';

const K = 20;

/** One cut's comparison: every choice scores `rest` except those named in `ndcg` (NDCG@K; recall follows it). */
function cut(users: number, ndcg: Record<string, number>, rest = 0.1): SelectionReport {
  const make = (list: 'for_you' | 'discover') => {
    const choices = candidateChoices(list);
    const figures = choices.map((c) => {
      const v = ndcg[choiceName(c, list)] ?? rest;
      return { [`ndcg_at_${K}`]: v, [`recall_at_${K}`]: v + 0.05, hr_at_10: v + 0.1 };
    });
    return chooseList(list, choices, figures, K);
  };
  return { k: K, test_users: users, discover_users: users, for_you: make('for_you'), discover: make('discover') };
}

describe('selection pooled over rolling-origin cuts', () => {
  // The newest cut is small and favours the champion; the two older, larger cuts favour personal counts.
  const cuts = [
    cut(40, { champion: 0.5, personal_count: 0.3 }),
    cut(400, { champion: 0.2, personal_count: 0.3 }),
    cut(400, { champion: 0.22, personal_count: 0.31 }),
  ];
  const pooled = poolSelections(cuts, ['2024-06-01', '2024-05-02', '2024-04-02']);

  it('chooses on the customer-weighted figures over all cuts, so one noisy window cannot flip the choice', () => {
    expect(cuts[0]!.for_you.served).toBe('champion');
    expect(pooled.for_you.served).toBe('personal_count');
    expect(pooled.for_you.served_value).toBeCloseTo((40 * 0.3 + 400 * 0.3 + 400 * 0.31) / 840, 12);
    expect(pooled.for_you.champion_value).toBeCloseTo((40 * 0.5 + 400 * 0.2 + 400 * 0.22) / 840, 12);
    expect(pooled.for_you.margin_vs_champion).toBeGreaterThan(0);
    expect(pooled.for_you.margin_vs_best_baseline).toBeGreaterThanOrEqual(0);
    // Every figure is pooled, not only the one chosen on.
    expect(pooled.for_you.compared.personal_count!.recall_at_20).toBeCloseTo(pooled.for_you.served_value + 0.05, 12);
    expect(pooled.test_users).toBe(840);
  });

  it('keeps what each cut alone would have served and every choice\'s spread over the cuts', () => {
    expect(pooled.cuts).toBe(3);
    expect(pooled.per_cut.map((c) => c.for_you.served)).toEqual(['champion', 'personal_count', 'personal_count']);
    expect(pooled.per_cut[0]).toMatchObject({ split: '2024-06-01', test_users: 40 });
    expect(pooled.spread.for_you.champion).toMatchObject({ min: 0.2, max: 0.5 });
    expect(pooled.spread.for_you.champion!.std).toBeGreaterThan(0.1);
    expect(pooled.spread.for_you.personal_count).toMatchObject({ min: 0.3, max: 0.31 });
    expect(Object.keys(pooled.spread.for_you)).toHaveLength(candidateChoices('for_you').length);
  });

  it('a single cut pools to its own choice', () => {
    const one = poolSelections([cuts[0]!], ['2024-06-01']);
    expect(one.for_you.served).toBe('champion');
    expect(one.for_you.served_value).toBeCloseTo(0.5, 12);
    expect(one.spread.for_you.champion).toEqual({ mean: 0.5, min: 0.5, max: 0.5, std: 0 });
  });
});

import { applyRules, reasonText, type Candidate } from '../../../ml/campaign-rules';

const DAY = 86_400_000;
const c = (itemId: string, reason = 'bought-with'): Candidate => ({ itemId, reason, reasonItemId: null });

describe('campaign rules', () => {
  const cats: Record<string, string> = { a: 'mugs', b: 'mugs', c: 'mugs', d: 'bags', e: 'bags' };
  const ctx = {
    asOf: 100 * DAY,
    lastBought: (id: string) => ({ a: 95 * DAY, d: 10 * DAY } as Record<string, number>)[id],
    categoryOf: (id: string) => cats[id] ?? null,
  };

  it('keep list order and stop at top-N', () => {
    expect(applyRules([c('x'), c('y'), c('z')], { topN: 2, excludeBoughtWithinDays: 0 }, ctx).map((x) => x.itemId)).toEqual(['x', 'y']);
  });

  it('leave out items the customer bought within the window, but not older buys', () => {
    const out = applyRules([c('a'), c('d'), c('x')], { topN: 3, excludeBoughtWithinDays: 30 }, ctx);
    expect(out.map((x) => x.itemId)).toEqual(['d', 'x']);
    expect(applyRules([c('a')], { topN: 3, excludeBoughtWithinDays: 0 }, ctx)).toHaveLength(1);
  });

  it('cap items per category, never capping items of unknown category, and drop duplicates', () => {
    const out = applyRules([c('b'), c('c'), c('x'), c('e'), c('b'), c('y')], { topN: 5, excludeBoughtWithinDays: 0, maxPerCategory: 1 }, ctx);
    expect(out.map((x) => x.itemId)).toEqual(['b', 'x', 'e', 'y']);
  });

  it('say why in a sentence, naming the customer item when there is one', () => {
    expect(reasonText('bought-with', 'RED MUG')).toBe('Often bought with RED MUG');
    expect(reasonText('bought-with', null)).toBe('Often bought together with your items');
    expect(reasonText('new-similar-title', 'JUMBO BAG')).toBe('New, like JUMBO BAG');
    expect(reasonText('whatever', null)).toBe('Recommended for you');
  });
});

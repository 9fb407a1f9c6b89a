import { AFFINITY_FEATURES, fitAffinity, scoreTarget } from '../../../ml/affinity';
import { catalogueView, itemsInCategory, titleTerms } from '../../../ml/catalogue';
import { itemReach } from '../../../ml/cooccurrence';
import { fitNewIn, NEW_IN_FEATURES, newInScorer, newItemsAt } from '../../../ml/new-in';
import { buildSnapshot } from '../../../ml/snapshot';
import type { EventRecord, ItemRecord } from '../../../ml/types';

const DAY = 86_400_000;
const ev = (userId: string, itemId: string, day: number, type: EventRecord['type'] = 'purchase'): EventRecord => ({
  userId, itemId, type, ts: day * DAY + 3_600_000, quantity: type === 'purchase' ? 1 : null, price: type === 'purchase' ? 5 : null,
  query: null, dwellMs: null, sessionId: null,
});

/** A small shop with two tastes: bag people buy bags, mug people buy mugs; a new bag and a new mug arrived lately. */
function shop(): { events: EventRecord[]; items: ItemRecord[] } {
  const items: ItemRecord[] = [];
  for (let i = 0; i < 5; i++) {
    items.push({ itemId: `bag${i}`, title: `Jumbo tote bag pattern ${i}`, category: 'Home > Bags', price: 5, inStock: true });
    items.push({ itemId: `mug${i}`, title: `Red enamel mug style ${i}`, category: 'Home > Kitchen > Mugs', price: 5, inStock: true });
  }
  items.push({ itemId: 'bagNEW', title: 'Jumbo tote bag sunflower', category: 'Home > Bags', price: 5, inStock: true });
  items.push({ itemId: 'mugNEW', title: 'Enamel mug sunflower', category: 'Home > Kitchen > Mugs', price: 5, inStock: true });
  const events: EventRecord[] = [];
  for (let u = 0; u < 40; u++) {
    const kind = u % 2 === 0 ? 'bag' : 'mug';
    for (let k = 0; k < 4; k++) events.push(ev(`${kind}-${u}`, `${kind}${(u + k) % 5}`, 5 + ((u * 7 + k * 13) % 100)));
    // The first few of each kind found the new item early.
    if (u < 6) events.push(ev(`${kind}-${u}`, `${kind}NEW`, 95 + (u % 5)));
  }
  return { events, items };
}

describe('catalogue view', () => {
  it('keeps informative title terms and groups by category level, or by the commonest title term', () => {
    expect(titleTerms('SET OF 3 RED RETROSPOT CAKE TINS')).toEqual(['retrospot', 'cake', 'tins']);
    const withCats = catalogueView(['a', 'b'], [
      { itemId: 'a', title: 'x', category: 'Home/Bags', price: null, inStock: true },
      { itemId: 'b', title: 'y', category: ' home >  kitchen > Mugs ', price: null, inStock: true },
    ]);
    expect(withCats.category).toEqual(['home > bags', 'home > kitchen > mugs']);
    // Fewer than 4 distinct groups at every level: the deepest level groups.
    expect(withCats.groups).toEqual(['home > bags', 'home > kitchen > mugs']);
    const shallow = catalogueView(['a', 'b', 'c', 'd'], ['A > x', 'B > y', 'C > z', 'D > w'].map((c, i) => ({ itemId: 'abcd'[i]!, title: null, category: c, price: null, inStock: true })));
    expect(shallow.groups).toEqual(['a', 'b', 'c', 'd']);
    expect(Array.from(itemsInCategory(withCats, 'Home > Kitchen'))).toEqual([1]);
    expect(Array.from(itemsInCategory(withCats, 'home'))).toEqual([0, 1]);
    const titles = catalogueView(['a', 'b', 'c'], ['JUMBO BAG RED', 'LUNCH BAG PINK', 'HEART MUG'].map((t, i) => ({ itemId: 'abc'[i]!, title: t, category: null, price: null, inStock: true })));
    expect(titles.groups[titles.group[0]!]).toBe('bag');
    expect(titles.groups[titles.group[1]!]).toBe('bag');
    expect(Array.from(itemsInCategory(titles, 'BAG'))).toEqual([0, 1]);
  });
});

describe('affinity audiences', () => {
  it('rank the item’s past buyers and people with the same taste above the others, with probabilities', () => {
    const { events, items } = shop();
    const anchor = 101 * DAY;
    const model = fitAffinity(events, items, anchor);
    const snap = buildSnapshot(events, anchor);
    const cat = catalogueView(snap.itemIds, items);
    const a = scoreTarget(model, snap, cat, itemReach(snap), [snap.itemIndex.get('bag2')!], 20);
    const ids = Array.from(a.users, (u) => snap.userIds[u]!);
    expect(ids).toHaveLength(20);
    expect(ids.every((id) => id.startsWith('bag-'))).toBe(true);
    for (let i = 1; i < a.probability.length; i++) expect(a.probability[i]).toBeLessThanOrEqual(a.probability[i - 1]!);
    expect(a.probability[0]).toBeLessThan(1);
    const some = scoreTarget(model, snap, cat, itemReach(snap), [snap.itemIndex.get('bag2')!], 20, 2);
    expect(some.users).toHaveLength(0);
  });
});

describe('new-in picks', () => {
  it('find the items first seen lately and match them by category, title and co-viewing, with a reason', () => {
    const { events, items } = shop();
    const anchor = 101 * DAY;
    const snap = buildSnapshot(events, anchor);
    expect(Array.from(newItemsAt(snap, 30, 10), (i) => snap.itemIds[i])).toEqual(['bagNEW', 'mugNEW']);
    const model = fitNewIn(events, items, anchor, 30);
    const scorer = newInScorer(model, snap, catalogueView(snap.itemIds, items));
    const bag = scorer.picks(snap.userIndex.get('bag-20')!, 2);
    const mug = scorer.picks(snap.userIndex.get('mug-21')!, 2);
    expect(bag.map((p) => snap.itemIds[p.item])).toEqual(['bagNEW', 'mugNEW']);
    expect(mug.map((p) => snap.itemIds[p.item])).toEqual(['mugNEW', 'bagNEW']);
    expect(['new-in-category', 'new-similar-title', 'new-goes-with']).toContain(bag[0]!.reason);
    expect(snap.itemIds[bag[0]!.reasonItem!]).toMatch(/^bag\d$/);
    expect(bag[0]!.score).toBeGreaterThan(bag[1]!.score);
  });
});

describe('fits on a sample of the shop', () => {
  it('see item counts at the whole shop’s scale (countScale), and nothing else changes', () => {
    const { events, items } = shop();
    const anchor = 101 * DAY;
    const whole = fitAffinity(events, items, anchor, 30);
    const scaled = fitAffinity(events, items, anchor, 30, 4);
    expect(whole.lr).not.toBeNull();
    const col = AFFINITY_FEATURES.indexOf('log_target_buyers30');
    // Same rows (same seed, same labels): only the count column moves, to log1p(4 × buyers).
    expect(scaled.trainRows).toBe(whole.trainRows);
    expect(scaled.lr!.mean[col]!).toBeGreaterThan(whole.lr!.mean[col]! + 0.5);
    AFFINITY_FEATURES.forEach((_, j) => {
      if (j !== col) expect(scaled.lr!.mean[j]).toBeCloseTo(whole.lr!.mean[j]!, 9);
    });
    const early = NEW_IN_FEATURES.indexOf('log_early_buyers');
    // New-in learns from the items new one horizon back: a bag and a mug that arrived on day 62 and sold on.
    const later = [...events];
    for (let u = 0; u < 40; u++) {
      const kind = u % 2 === 0 ? 'bag' : 'mug';
      if (u < 8) later.push(ev(`${kind}-${u}`, `${kind}MID`, 62 + (u % 4)));
      else if (u < 30) later.push(ev(`${kind}-${u}`, `${kind}MID`, 72 + (u % 20)));
    }
    const newWhole = fitNewIn(later, items, anchor, 30);
    const newScaled = fitNewIn(later, items, anchor, 30, 4);
    expect(newWhole.lr).not.toBeNull();
    expect(newScaled.lr!.mean[early]!).toBeGreaterThan(newWhole.lr!.mean[early]! + 0.5);
  });
});

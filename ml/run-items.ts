import { scoreUsers, type ChampionModel } from './champion';
import { intentKindOf, type IntentKindServed } from './intent-choice';
import { similarItems, type SimilarItem } from './similar';

/** Stands for "a customer with no history" when the cold-start lists are scored (never a real id: it has a NUL). */
const NOBODY = '\u0000cold-start';

/** A run's item-level outputs: what item pages and never-seen customers are served. */
export interface RunItems {
  similar: SimilarItem[];
  lists: { list: string; rank: number; itemId: string; score: number; reason: string }[];
  coldStartIntent: number;
  intentKind: IntentKindServed;
}

/**
 * Computes them from the run's model: similar items per item, the cold-start for-you and discover lists (scored
 * through the same path as every customer, with an empty history), the catalogue ranked by recent buyers (to
 * fill a category filter past a customer's own list), the intent served to an unknown customer, and whether
 * the intent scores are a learned model or a rule.
 */
export function runItems(model: ChampionModel, k: number): RunItems {
  const [cold] = scoreUsers(model, [], [NOBODY], { k });
  const lists: RunItems['lists'] = [];
  if (cold) {
    cold.forYou.forEach((r, i) => lists.push({ list: 'cold-start:for-you', rank: i + 1, itemId: r.itemId, score: r.score, reason: r.reason }));
    cold.discover.forEach((r, i) => lists.push({ list: 'cold-start:discover', rank: i + 1, itemId: r.itemId, score: r.score, reason: r.reason }));
  }
  const s = model.sources;
  const bought = s.itemIds.map((_, i) => i).filter((i) => s.buyers[i]! > 0);
  // Recent buyers first, all-time buyers to break ties: what a category page would show as "popular".
  bought.sort((a, b) => s.buyers90[b]! - s.buyers90[a]! || s.buyers[b]! - s.buyers[a]! || a - b);
  bought.forEach((i, r) => lists.push({ list: 'popular', rank: r + 1, itemId: s.itemIds[i]!, score: s.buyers90[i]!, reason: 'popular-in-category' }));
  return { similar: similarItems(s, k), lists, coldStartIntent: cold?.intent ?? model.intent.coldStart ?? 0.05, intentKind: intentKindOf(model.intent) };
}

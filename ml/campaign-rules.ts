/**
 * How a campaign picks each customer's items from a list: rules from config applied in list order, and a
 * sentence per reason that an email can show as it is.
 */

/** One candidate from a list (for-you, discover or new-in), best first. */
export interface Candidate {
  itemId: string;
  reason: string;
  reasonItemId: string | null;
}

export interface CampaignRules {
  topN: number;
  /** leave out items the customer bought in the last this many days (0: keep reorders) */
  excludeBoughtWithinDays: number;
  /** at most this many items of one category per customer (undefined: no cap) */
  maxPerCategory?: number;
}

/** What the rules need to know about one customer and the catalogue. */
export interface RuleContext {
  asOf: number;
  /** when the customer last bought the item (epoch ms), undefined if never */
  lastBought(itemId: string): number | undefined;
  /** the item's category (or taste group), null when unknown: unknown items are never capped */
  categoryOf(itemId: string): string | null;
}

const DAY = 86_400_000;

/** The first `topN` candidates that pass the rules, in list order. */
export function applyRules(candidates: readonly Candidate[], rules: CampaignRules, ctx: RuleContext): Candidate[] {
  const out: Candidate[] = [];
  const perCategory = new Map<string, number>();
  const seen = new Set<string>();
  for (const c of candidates) {
    if (out.length >= rules.topN) break;
    if (seen.has(c.itemId)) continue;
    if (rules.excludeBoughtWithinDays > 0) {
      const last = ctx.lastBought(c.itemId);
      if (last !== undefined && ctx.asOf - last < rules.excludeBoughtWithinDays * DAY) continue;
    }
    const cat = ctx.categoryOf(c.itemId);
    if (rules.maxPerCategory !== undefined && cat !== null) {
      const n = perCategory.get(cat) ?? 0;
      if (n >= rules.maxPerCategory) continue;
      perCategory.set(cat, n + 1);
    }
    seen.add(c.itemId);
    out.push(c);
  }
  return out;
}

/** A short sentence for a reason code, naming the customer's item it refers to when there is one. */
export function reasonText(reason: string, reasonTitle: string | null): string {
  const about = reasonTitle ? reasonTitle.trim().slice(0, 200) : null;
  switch (reason) {
    case 'bought-before': return 'You bought this before';
    case 'bought-with': return about ? `Often bought with ${about}` : 'Often bought together with your items';
    case 'popular-in-category': return 'Popular in a category you like';
    case 'trending': return 'Trending now';
    case 'similar-taste': return 'Liked by customers with your taste';
    case 'new-in-category': return about ? `New, in the same range as ${about}` : 'New in a category you like';
    case 'new-similar-title': return about ? `New, like ${about}` : 'New, like items you bought';
    case 'new-goes-with': return about ? `New, goes with ${about}` : 'New, goes with your items';
    case 'new-seen-before': return 'New, and you already looked at it';
    case 'new-popular': return 'New and selling well';
    default: return 'Recommended for you';
  }
}

import type { Db } from '../db/knex';
import { intentOfUsers, listsOfUsers, popularInCategory, runItemList, similarItemsOf, type ListedItem, type PublishedScores } from '../db/repositories/serving';
import type { JsonBody } from './json-bodies';
import type { ServingCache } from './serving-cache';
import { StringPool } from './string-pool';

export type ListName = 'for-you' | 'discover';

/** One customer's served list: their own, or (unknown to the run) the cold-start list, flagged. */
export interface ServedList {
  userId: string;
  coldStart: boolean;
  items: ListedItem[];
}

/** True when an item's category path is `category` or lies under it ("Home" covers "Home > Mugs"). */
export function inCategory(itemCategory: string | null, category: string): boolean {
  return itemCategory !== null && (itemCategory === category || itemCategory.startsWith(`${category} > `));
}

/** Copies with ranks renumbered 1..n (after filtering and filling, ranks are positions in the answer). */
/** Customers per warm-up query. */
const WARM_BATCH = 500;
/** Popular items read per category to fill a filtered list (enough for limit 100 plus the list's own items). */
const CATEGORY_FILL = 200;

const ranked = (items: ListedItem[]): ListedItem[] => items.map((it, i) => ({ ...it, rank: i + 1 }));

/**
 * What the serving routes read, through the cache: every value is keyed by the run it came from, so nothing
 * read here can mix two runs or outlive a publish.
 */
export class ServingReads {
  private readonly pool = new StringPool();

  constructor(
    private readonly db: Db,
    private readonly cache: ServingCache,
    warmKeys = 20_000,
  ) {
    cache.setWarmer((suffixes, run) => this.warm(suffixes, run), warmKeys);
  }

  /**
   * The new run's values for keys hot in the previous one, in batch reads (500 customers a query): lists, intent,
   * cold-start lists and category fills. Similar items are left to load on demand (one query each, and item pages
   * ask for few of them).
   */
  private async warm(suffixes: string[], run: PublishedScores): Promise<Map<string, unknown>> {
    const out = new Map<string, unknown>();
    const byKind = new Map<string, string[]>();
    for (const s of suffixes) {
      const cut = s.indexOf('\u0000');
      const kind = s.slice(0, cut);
      byKind.set(kind, [...(byKind.get(kind) ?? []), s.slice(cut + 1)]);
    }
    for (const [kind, ids] of byKind) {
      for (let i = 0; i < ids.length; i += WARM_BATCH) {
        const batch = ids.slice(i, i + WARM_BATCH);
        if (kind === 'for-you' || kind === 'discover') {
          const found = await listsOfUsers(this.db, run.runId, batch, kind);
          for (const id of batch) out.set(`${kind}\u0000${id}`, this.pooled(found.get(id)));
        } else if (kind === 'intent') {
          const found = await intentOfUsers(this.db, run.runId, batch);
          for (const id of batch) out.set(`intent\u0000${id}`, found.get(id) ?? null);
        } else if (kind === 'cold') {
          for (const list of batch) out.set(`cold\u0000${list}`, await runItemList(this.db, run.runId, `cold-start:${list}`));
        } else if (kind === 'category') {
          for (const c of batch) out.set(`category\u0000${c}`, await popularInCategory(this.db, run.runId, c, CATEGORY_FILL));
        }
      }
    }
    return out;
  }

  run(): Promise<PublishedScores | null> {
    return this.cache.run();
  }

  /**
   * An answer of `run` serialised once and kept: `parts` are everything besides the run it depends on (route,
   * ids, parameters); `build` shapes it from the reads below.
   */
  body(run: PublishedScores, parts: readonly (string | number | null)[], build: () => Promise<unknown>): Promise<JsonBody> {
    // JSON, not a separator: ids and categories are client text and may hold any character.
    return this.cache.body(`${run.runId}\u0000body\u0000${JSON.stringify(parts)}`, build);
  }

  /** A customer's list as the cache keeps it (null: none), its item strings shared with every other cached list. */
  private pooled(items: ListedItem[] | undefined): ListedItem[] | null {
    if (!items) return null;
    const p = this.pool;
    return items.map((it) => ({
      rank: it.rank, itemId: p.get(it.itemId), title: p.maybe(it.title), category: p.maybe(it.category), score: it.score, reason: p.get(it.reason), reasonItemId: p.maybe(it.reasonItemId),
    }));
  }

  /** Lists for up to a few hundred customers from one run (one MySQL query for the ones not cached). */
  async lists(run: PublishedScores, userIds: readonly string[], list: ListName, limit: number, category?: string): Promise<ServedList[]> {
    const key = (u: string): string => `${run.runId}\u0000${list}\u0000${u}`;
    const own = await this.cache.getMany<ListedItem[] | null>(userIds.map(key), async (missing) => {
      const ids = missing.map((k) => k.slice(k.lastIndexOf('\u0000') + 1));
      const found = await listsOfUsers(this.db, run.runId, ids, list);
      return new Map(missing.map((k, i) => [k, this.pooled(found.get(ids[i]!))]));
    });
    const out: ServedList[] = [];
    for (const userId of userIds) {
      const mine = own.get(key(userId)) ?? null;
      const items = mine ?? (await this.coldStart(run, list));
      out.push({ userId, coldStart: mine === null, items: category === undefined ? items.slice(0, limit) : await this.inCategory(run, items, category, limit) });
    }
    return out;
  }

  /** A customer's purchase probability, or the run's cold-start rate (flagged) for a customer it never saw. */
  async intent(run: PublishedScores, userId: string): Promise<{ probability: number; horizonDays: number | null; coldStart: boolean } | null> {
    const found = await this.cache.get(`${run.runId}\u0000intent\u0000${userId}`, async () => (await intentOfUsers(this.db, run.runId, [userId])).get(userId) ?? null);
    if (found) return { ...found, coldStart: false };
    return run.coldStartIntent === null ? null : { probability: run.coldStartIntent, horizonDays: null, coldStart: true };
  }

  /** An item's similar items (null: the catalogue does not know the item). */
  async similar(run: PublishedScores, itemId: string, limit: number): Promise<ListedItem[] | null> {
    const items = await this.cache.get(`${run.runId}\u0000similar\u0000${itemId}`, () => similarItemsOf(this.db, run.runId, itemId));
    return items ? items.slice(0, limit) : null;
  }

  private coldStart(run: PublishedScores, list: ListName): Promise<ListedItem[]> {
    return this.cache.get(`${run.runId}\u0000cold\u0000${list}`, () => runItemList(this.db, run.runId, `cold-start:${list}`));
  }

  /**
   * The list's items in the category, then the category's most popular items the list does not hold, up to
   * `limit`: a category page asks for that many and a personal list of 20 rarely has them all in one category.
   */
  private async inCategory(run: PublishedScores, items: ListedItem[], category: string, limit: number): Promise<ListedItem[]> {
    const picked = items.filter((it) => inCategory(it.category, category)).slice(0, limit);
    if (picked.length >= limit) return ranked(picked);
    // Cached with room for the list's own items, which the fill skips.
    const popular = await this.cache.get(`${run.runId}\u0000category\u0000${category}`, () => popularInCategory(this.db, run.runId, category, CATEGORY_FILL));
    const have = new Set(picked.map((it) => it.itemId));
    for (const it of popular) {
      if (picked.length >= limit) break;
      if (!have.has(it.itemId)) picked.push(it);
    }
    return ranked(picked);
  }
}

import type { ItemRecord } from './types';

/** Maps free-text search queries onto catalogue items through their title and category words. */
export interface QueryMapper {
  /** (local item index, share) pairs; shares sum to 1, empty when nothing matches */
  map(query: string): [number, number][];
}

const STOP = new Set(['the', 'a', 'an', 'of', 'and', 'for', 'with', 'in', 'to', 'set']);

/** Lower-cased word tokens of 2+ letters, stop words removed. */
export function tokenize(s: string): string[] {
  return s.toLowerCase().split(/[^a-z0-9]+/).filter((t) => t.length >= 2 && !STOP.has(t));
}

/**
 * Builds an inverted index from title/category tokens to items; a query matches the items sharing the most
 * (idf-weighted) terms, and the top `maxItems` split the query's weight. Null when items carry no text.
 */
export function buildQueryMapper(
  items: readonly ItemRecord[], itemIndex: ReadonlyMap<string, number>, maxItems = 10,
): QueryMapper | null {
  const postings = new Map<string, number[]>();
  let n = 0;
  for (const it of items) {
    const idx = itemIndex.get(it.itemId);
    if (idx === undefined) continue;
    const toks = new Set([...tokenize(it.title ?? ''), ...tokenize(it.category ?? '')]);
    if (toks.size === 0) continue;
    n++;
    for (const t of toks) {
      let p = postings.get(t);
      if (!p) postings.set(t, (p = []));
      p.push(idx);
    }
  }
  if (n === 0) return null;
  const cache = new Map<string, [number, number][]>();
  return {
    map(query: string): [number, number][] {
      const hit = cache.get(query);
      if (hit) return hit;
      const score = new Map<number, number>();
      for (const t of new Set(tokenize(query))) {
        const p = postings.get(t);
        if (!p) continue;
        const idf = Math.log(1 + n / p.length);
        for (const i of p) score.set(i, (score.get(i) ?? 0) + idf);
      }
      const top = [...score].sort((a, b) => b[1] - a[1] || a[0] - b[0]).slice(0, maxItems);
      const total = top.reduce((s, [, v]) => s + v, 0);
      const out: [number, number][] = total > 0 ? top.map(([i, v]) => [i, v / total]) : [];
      if (cache.size < 100_000) cache.set(query, out);
      return out;
    },
  };
}

import type { ItemRecord } from './types';

/**
 * What campaigns know about items besides behaviour: a taste group per item, its category path and its title
 * terms (TF-IDF). Shops that send categories get a level of the path as the group; shops that send only titles
 * (UCI) get the title's most common informative term (bag, christmas, heart…), so taste still has a name.
 */
export interface CatalogueView {
  /** aligned with the snapshot's item vocabulary */
  itemIds: readonly string[];
  title: (string | null)[];
  /** the category path, normalised (see normalCategory; null without one) */
  category: (string | null)[];
  /** taste group index per item (-1: none) */
  group: Int32Array;
  groups: string[];
  /** title terms per item, CSR: term ids and L2-normalised TF-IDF weights */
  termStart: Int32Array;
  term: Int32Array;
  termWeight: Float32Array;
  vocab: string[];
}

// Words that name no taste: sizes, packaging, colours, joining words.
const STOP = new Set([
  'of', 'set', 'and', 'the', 'with', 'in', 'a', 'an', 'for', 'to', 'on', 'pack', 'small', 'large', 'big', 'mini', 'jumbo',
  'medium', 'tier', 'design', 'assorted', 'colour', 'colours', 'red', 'pink', 'blue', 'white', 'black', 'green', 'ivory',
  'cream', 'gold', 'silver', 'yellow', 'purple', 'orange', 'grey', 'brown', 'new', 'asst', 'piece', 'pieces',
]);

/** Lower-cased informative title terms (letters, 3+ characters, no stop words), each once. */
export function titleTerms(title: string | null): string[] {
  if (!title) return [];
  const seen = new Set<string>();
  for (const t of title.toLowerCase().split(/[^a-z\u00c0-\u024f]+/)) if (t.length >= 3 && !STOP.has(t)) seen.add(t);
  return [...seen];
}

/** A category path lower-cased with one separator style ("Home/Kitchen" → "home > kitchen"); null when blank. */
export function normalCategory(category: string | null | undefined): string | null {
  const parts = (category ?? '').toLowerCase().split(/\s*[>/|]\s*/).map((p) => p.trim()).filter((p) => p.length > 0);
  return parts.length > 0 ? parts.join(' > ') : null;
}

/** Builds the view over `itemIds` (the snapshot's vocabulary) from whatever metadata the shop sent. */
export function catalogueView(itemIds: readonly string[], items: readonly ItemRecord[]): CatalogueView {
  const byId = new Map(items.map((it) => [it.itemId, it] as const));
  const n = itemIds.length;
  const title = itemIds.map((id) => byId.get(id)?.title ?? null);
  const category = itemIds.map((id) => normalCategory(byId.get(id)?.category));
  const termsOf = title.map(titleTerms);
  const df = new Map<string, number>();
  for (const ts of termsOf) for (const t of ts) df.set(t, (df.get(t) ?? 0) + 1);
  const vocab = [...df.keys()].sort();
  const termId = new Map(vocab.map((t, i) => [t, i] as const));
  const termStart = new Int32Array(n + 1);
  termsOf.forEach((ts, i) => (termStart[i + 1] = termStart[i]! + ts.length));
  const term = new Int32Array(termStart[n]!);
  const termWeight = new Float32Array(termStart[n]!);
  termsOf.forEach((ts, i) => {
    const w = ts.map((t) => Math.log((n + 1) / (df.get(t)! + 0.5)));
    const norm = Math.sqrt(w.reduce((s, v) => s + v * v, 0)) || 1;
    ts.forEach((t, k) => {
      term[termStart[i]! + k] = termId.get(t)!;
      termWeight[termStart[i]! + k] = w[k]! / norm;
    });
  });
  // Taste groups from categories: the shallowest level of the paths with at least 4 distinct values (a shop
  // whose every path starts with "Home" groups by the level below).
  const paths = category.map((c) => (c ? c.split(' > ') : null));
  let depth = 1;
  for (; depth < 3; depth++) if (new Set(paths.filter((p) => p !== null).map((p) => p.slice(0, depth).join(' > '))).size >= 4) break;
  const groupName = itemIds.map((_, i) => {
    const p = paths[i];
    if (p) return p.slice(0, depth).join(' > ');
    // The most common informative term: the product type or theme shared with the most other items.
    let best: string | null = null;
    for (const t of termsOf[i]!) if (best === null || df.get(t)! > df.get(best)! || (df.get(t) === df.get(best) && t < best)) best = t;
    return best;
  });
  const groups = [...new Set(groupName.filter((g): g is string => g !== null))].sort();
  const groupId = new Map(groups.map((g, i) => [g, i] as const));
  const group = Int32Array.from(groupName, (g) => (g === null ? -1 : groupId.get(g)!));
  return { itemIds, title, category, group, groups, termStart, term, termWeight, vocab };
}

/**
 * Items of a named category: its path or any path below it, its top level, or (shops without categories) a
 * title taste group of that name. Case-insensitive.
 */
export function itemsInCategory(view: CatalogueView, name: string): Int32Array {
  const want = normalCategory(name) ?? '';
  const gid = view.groups.indexOf(want);
  const out: number[] = [];
  for (let i = 0; i < view.itemIds.length; i++) {
    const c = view.category[i] ?? null;
    if ((c !== null && (c === want || c.startsWith(`${want} > `))) || (gid >= 0 && view.group[i] === gid)) out.push(i);
  }
  return Int32Array.from(out);
}

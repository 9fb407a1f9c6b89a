import type { SparseNeighbours } from './ease';
import type { EvalContext, Scorer } from './list-eval';
import { listsFromScorer } from './list-eval';
import { listFigures, type ListFigures } from './list-selection';
import { accumulateSparse } from './ease';
import { itemsWithNeighbours } from './sparse-neighbours';

/** Item popularity buckets, in report order. */
export const BUCKETS = ['head', 'torso', 'tail'] as const;
export type Bucket = (typeof BUCKETS)[number];

/** Share of training purchases the head items make, and the tail items (the torso is what lies between). */
const HEAD_SHARE = 0.2;
const TAIL_SHARE = 0.2;

/** Items split by training purchases: which bucket each item is in (0 head, 1 torso, 2 tail) and how big each is. */
export interface PopularityBuckets {
  bucket: Uint8Array;
  definition: string;
  items: Record<Bucket, number>;
  purchase_share: Record<Bucket, number>;
}

/**
 * Head, torso and tail by training purchases (`buyers[i]` = customers who bought item i before the cut): items in
 * descending order (ties: lower index first); the head is the best sellers that make the first 20% of all
 * purchases (an item is head when the ones before it make less than 20%), the tail the items after the first
 * 80% (with every never-bought item), the torso the rest. Each bucket thus holds about a fifth, three fifths and a
 * fifth of the purchases, whatever the number of items.
 */
export function popularityBuckets(buyers: ArrayLike<number>): PopularityBuckets {
  const n = buyers.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => buyers[b]! - buyers[a]! || a - b);
  let total = 0;
  for (let i = 0; i < n; i++) total += buyers[i]!;
  const bucket = new Uint8Array(n);
  const items = { head: 0, torso: 0, tail: 0 };
  const sums = { head: 0, torso: 0, tail: 0 };
  let before = 0;
  for (const i of order) {
    const b = buyers[i]! > 0 && before < HEAD_SHARE * total ? 0 : buyers[i]! > 0 && before < (1 - TAIL_SHARE) * total ? 1 : 2;
    bucket[i] = b;
    items[BUCKETS[b]]++;
    sums[BUCKETS[b]] += buyers[i]!;
    before += buyers[i]!;
  }
  const share = (v: number): number => (total > 0 ? Math.round((v / total) * 1e4) / 1e4 : 0);
  return {
    bucket, items,
    purchase_share: { head: share(sums.head), torso: share(sums.torso), tail: share(sums.tail) },
    definition: `items by training buyers, descending: head = the best sellers making the first ${HEAD_SHARE * 100}% of purchases, ` +
      `tail = the items after the first ${(1 - TAIL_SHARE) * 100}% (and never-bought ones), torso = between; a test customer counts in a ` +
      'bucket when their truth holds items of it, and recall/HR there are over those items only',
  };
}

/** Figures of one bucket: how many test customers have truth items in it, and recall/HR at 10 and K over those items. */
export type BucketFigures = ListFigures & { users: number };

/**
 * Recall and HR at 10 and K of the lists, each bucket's figures over the truth items in that bucket only, and
 * `all` over every truth item (the same lists, for the total).
 */
export function figuresByBucket(
  lists: readonly Int32Array[], relevant: readonly ReadonlySet<number>[], b: PopularityBuckets, k: number,
): Record<'all' | Bucket, BucketFigures> {
  const figures = (rel: readonly ReadonlySet<number>[]): BucketFigures => {
    const f = listFigures(lists, rel, k);
    const keep = Object.fromEntries(Object.entries(f).filter(([key]) => key.startsWith('recall_at_') || key.startsWith('hr_at_')));
    return { users: rel.filter((s) => s.size > 0).length, ...keep };
  };
  const out = { all: figures(relevant) } as Record<'all' | Bucket, BucketFigures>;
  BUCKETS.forEach((name, bi) => {
    out[name] = figures(relevant.map((s) => new Set([...s].filter((i) => b.bucket[i] === bi))));
  });
  return out;
}

/** For-you and discover lists of one method (parallel to the context's test users). */
export interface MethodLists {
  forYou: Int32Array[];
  discover: Int32Array[];
}

/** The `by_popularity` entry of an eval report. */
export interface PopularityReport {
  buckets: Omit<PopularityBuckets, 'bucket'>;
  /** per method: for-you figures against all relevant items, discover against never-bought ones, per bucket */
  methods: Record<string, { for_you: Record<'all' | Bucket, BucketFigures>; discover: Record<'all' | Bucket, BucketFigures> }>;
  /** per item-item source: share of items with at least one neighbour, overall and per bucket */
  item_coverage: Record<string, Record<'all' | Bucket, number>>;
}

/** An item-kNN scorer over sparse neighbour lists (in the context's item indices), popularity breaking ties. */
export function neighbourScorer(ctx: EvalContext, nb: SparseNeighbours): Scorer {
  const snap = ctx.snap;
  const pop = snap.itemStats.buyers;
  let maxPop = 1;
  for (const v of pop) maxPop = Math.max(maxPop, v);
  return (u, out) => {
    for (let i = 0; i < out.length; i++) out[i] = (1e-6 * pop[i]!) / (maxPop + 1);
    const items: number[] = [];
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) if (snap.lines[p]! > 0) items.push(snap.item[p]!);
    accumulateSparse(out, nb, items, null);
  };
}

/**
 * Quality by item popularity: each method's lists scored per bucket (see {@link popularityBuckets}), and the
 * share of items each item-item source gives neighbours to. `neighbours` must be in the context's item indices.
 */
export function popularityReport(
  ctx: EvalContext, lists: Record<string, MethodLists>, neighbours: Record<string, SparseNeighbours>,
): PopularityReport {
  const b = popularityBuckets(ctx.snap.itemStats.buyers);
  const methods: PopularityReport['methods'] = {};
  for (const [name, l] of Object.entries(lists)) {
    methods[name] = { for_you: figuresByBucket(l.forYou, ctx.relevant, b, ctx.k), discover: figuresByBucket(l.discover, ctx.relevantNew, b, ctx.k) };
  }
  const item_coverage: PopularityReport['item_coverage'] = {};
  for (const [name, nb] of Object.entries(neighbours)) {
    const has = [0, 0, 0];
    for (let i = 0; i < nb.n; i++) if (nb.width > 0 && nb.index[i * nb.width]! >= 0) has[b.bucket[i]!]!++;
    const share = (v: number, of: number): number => (of > 0 ? Math.round((v / of) * 1e4) / 1e4 : 0);
    item_coverage[name] = {
      all: share(itemsWithNeighbours(nb), nb.n),
      head: share(has[0]!, b.items.head), torso: share(has[1]!, b.items.torso), tail: share(has[2]!, b.items.tail),
    };
  }
  const { bucket: _bucket, ...buckets } = b;
  return { buckets, methods, item_coverage };
}

/** Lists of a sparse item-kNN source for the context's test users. */
export function neighbourLists(ctx: EvalContext, nb: SparseNeighbours): MethodLists {
  return listsFromScorer(ctx, neighbourScorer(ctx, nb));
}

/** Neighbour lists re-indexed from a model's item vocabulary to a snapshot's (items it lacks are dropped). */
export function remapNeighbours(nb: SparseNeighbours, itemIds: readonly string[], index: ReadonlyMap<string, number>, n: number): SparseNeighbours {
  const w = nb.width;
  const to = Int32Array.from(itemIds, (id) => index.get(id) ?? -1);
  const out: SparseNeighbours = { n, width: w, index: new Int32Array(n * w).fill(-1), weight: new Float32Array(n * w) };
  for (let i = 0; i < nb.n; i++) {
    const g = to[i]!;
    if (g < 0) continue;
    let r = 0;
    for (let t = 0; t < w; t++) {
      const j = nb.index[i * w + t]!;
      if (j < 0 || to[j]! < 0) continue;
      out.index[g * w + r] = to[j]!;
      out.weight[g * w + r] = nb.weight[i * w + t]!;
      r++;
    }
  }
  return out;
}

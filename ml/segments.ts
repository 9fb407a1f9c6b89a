import { kmeans } from './kmeans';

/**
 * Behavioural segments: k-means over RFM, purchase intent, event mix and taste, each segment named from where
 * its medians sit relative to the others, and kept stable across nightly runs by starting from (and matching
 * to) the previous run's segments.
 */

/** Per-customer inputs, column-wise (index = customer). */
export interface SegmentInput {
  userIds: readonly string[];
  recencyDays: ArrayLike<number>;
  /** orders (baskets); 0 = never bought */
  frequency: ArrayLike<number>;
  monetary: ArrayLike<number>;
  tenureDays: ArrayLike<number>;
  /** P(buys in the intent horizon) */
  intent: ArrayLike<number>;
  /** share of the customer's events that are views, carts and searches (purchases are the rest) */
  viewShare: ArrayLike<number>;
  cartShare: ArrayLike<number>;
  searchShare: ArrayLike<number>;
  /** taste: share of the customer's interest per group, row-major [customer][group] */
  taste: Float32Array;
  groups: readonly string[];
}

export interface SegmentProfile {
  size: number;
  /** share of all customers' spend that this segment's customers made */
  revenueShare: number;
  medianRecencyDays: number;
  medianFrequency: number;
  medianMonetary: number;
  medianTenureDays: number;
  medianIntent: number;
  /** mean event-mix shares */
  viewShare: number;
  cartShare: number;
  searchShare: number;
  /** the groups this segment favours most against all customers (share of its interest, lift over everyone) */
  topGroups: { group: string; share: number; lift: number }[];
}

export interface Segment {
  segmentId: string;
  label: string;
  description: string;
  profile: SegmentProfile;
  userIds: string[];
}

export interface Segmentation {
  segments: Segment[];
  /** customers present in both runs whose segment changed, over customers present in both; null without a previous run */
  movedShare: number | null;
  /** segments that kept a previous run's id */
  matched: number;
}

/** Customers who never bought: not clustered (RFM means nothing for them), kept together in one segment. */
export const BROWSERS_SEGMENT = 'browsers';

/** How many taste groups enter the clustering, and how much they weigh against one behavioural axis. */
const TASTE_GROUPS = 6;
const TASTE_WEIGHT = 0.5;

export function median(xs: ArrayLike<number>): number {
  if (xs.length === 0) return 0;
  const s = Float64Array.from(xs).sort();
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Standardises columns in place; a constant column becomes all zeros (it cannot separate anyone). */
function standardizeColumns(rows: number[][], weights?: readonly number[]): void {
  const dim = rows[0]?.length ?? 0;
  for (let j = 0; j < dim; j++) {
    let m = 0;
    for (const r of rows) m += r[j]! / rows.length;
    let v = 0;
    for (const r of rows) v += (r[j]! - m) ** 2 / rows.length;
    const sd = Math.sqrt(v);
    const w = weights?.[j] ?? 1;
    for (const r of rows) r[j] = sd > 1e-12 ? (w * (r[j]! - m)) / sd : 0;
  }
}

const logit = (p: number): number => Math.log(Math.max(1e-4, Math.min(1 - 1e-4, p)) / (1 - Math.max(1e-4, Math.min(1 - 1e-4, p))));

/**
 * Names a segment from where it sits relative to the others (z-scores of its medians), so labels stay
 * meaningful on any shop: recent + frequent = champions, long gone + rare = hibernating, and so on.
 */
export function labelFor(zRecency: number, zFrequency: number, zTenure: number): [string, string] {
  const recent = zRecency < -0.3;
  const lapsed = zRecency > 0.6;
  const frequent = zFrequency > 0.3;
  if (recent && frequent) return ['Champions', 'Bought recently and often; the most valuable customers.'];
  if (recent && zTenure < -0.3) return ['New customers', 'First purchases were recent; nurture them to a second order.'];
  if (recent) return ['Promising', 'Bought recently but not often yet.'];
  if (lapsed && frequent) return ['At risk', 'Used to buy often but have not bought for a long time; win them back.'];
  if (lapsed) return ['Hibernating', 'Few purchases, long ago; low priority or a reactivation offer.'];
  if (frequent) return ['Loyal', 'Buy often; the last purchase is not very recent.'];
  return ['Needs attention', 'Average recency and frequency; slipping without a nudge.'];
}

export const slug = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'segment';

/** The taste groups with the most interest overall: the ones worth a clustering axis. */
function leadingGroups(input: SegmentInput, rows: readonly number[]): number[] {
  const g = input.groups.length;
  const total = new Float64Array(g);
  for (const u of rows) for (let j = 0; j < g; j++) total[j]! += input.taste[u * g + j]!;
  return Array.from(total.keys()).sort((a, b) => total[b]! - total[a]! || a - b).slice(0, TASTE_GROUPS).filter((j) => total[j]! > 0);
}

function profileOf(input: SegmentInput, members: readonly number[], totalSpend: number, overallTaste: Float64Array): SegmentProfile {
  const pick = (col: ArrayLike<number>): Float64Array => Float64Array.from(members, (u) => col[u]!);
  const mean = (col: ArrayLike<number>): number => members.reduce((s, u) => s + col[u]!, 0) / Math.max(1, members.length);
  const g = input.groups.length;
  const taste = new Float64Array(g);
  for (const u of members) for (let j = 0; j < g; j++) taste[j]! += input.taste[u * g + j]! / members.length;
  const topGroups = Array.from(taste.keys())
    .filter((j) => taste[j]! > 0)
    .map((j) => ({ group: input.groups[j]!, share: taste[j]!, lift: overallTaste[j]! > 0 ? taste[j]! / overallTaste[j]! : 0 }))
    .sort((a, b) => b.share * b.lift - a.share * a.lift || (a.group < b.group ? -1 : 1))
    .slice(0, 3);
  const spend = members.reduce((s, u) => s + Math.max(0, input.monetary[u]!), 0);
  return {
    size: members.length,
    revenueShare: totalSpend > 0 ? spend / totalSpend : 0,
    medianRecencyDays: median(pick(input.recencyDays)),
    medianFrequency: median(pick(input.frequency)),
    medianMonetary: median(pick(input.monetary)),
    medianTenureDays: median(pick(input.tenureDays)),
    medianIntent: median(pick(input.intent)),
    viewShare: mean(input.viewShare),
    cartShare: mean(input.cartShare),
    searchShare: mean(input.searchShare),
    topGroups,
  };
}

function describe(base: string, p: SegmentProfile): string {
  const n = (v: number, d = 0): string => v.toLocaleString('en-US', { maximumFractionDigits: d });
  const taste = p.topGroups.length > 0 ? ` Favours ${p.topGroups.map((t) => t.group).join(', ')}.` : '';
  const browse = p.viewShare + p.cartShare + p.searchShare > 0.5 ? ' Mostly browses before buying.' : '';
  return `${base} Median ${n(p.medianRecencyDays)} days since the last order, ${n(p.medianFrequency)} orders, ${n(p.medianMonetary, 2)} spent; ` +
    `P(buy) ${n(p.medianIntent, 2)}; ${n(p.revenueShare * 100, 1)}% of revenue.${taste}${browse}`;
}

/**
 * Greedy matching of new clusters to previous segment ids by shared customers (largest overlaps first);
 * returns the previous id per cluster or null.
 */
export function matchToPrevious(clusterOf: Int32Array, prevOf: readonly (string | null)[], k: number): (string | null)[] {
  const overlap = new Map<string, number>();
  for (let i = 0; i < clusterOf.length; i++) {
    const p = prevOf[i];
    if (p === null || p === undefined || clusterOf[i]! < 0) continue;
    const key = `${clusterOf[i]!}\u0000${p}`;
    overlap.set(key, (overlap.get(key) ?? 0) + 1);
  }
  const pairs = [...overlap].map(([key, n]) => {
    const [c, p] = key.split('\u0000') as [string, string];
    return { c: Number(c), p, n };
  }).sort((a, b) => b.n - a.n || a.c - b.c || (a.p < b.p ? -1 : 1));
  const out: (string | null)[] = new Array<string | null>(k).fill(null);
  const used = new Set<string>();
  for (const { c, p } of pairs) {
    if (out[c] !== null || used.has(p)) continue;
    out[c] = p;
    used.add(p);
  }
  return out;
}

/**
 * Segments customers into (at most) k behavioural clusters plus, if any, the browsers who never bought.
 * `previous` (customer → segment id of the last published run) seeds the clusters with last run's segments and
 * hands their ids on, so ids stay put across nights and `movedShare` says how many customers changed segment.
 */
export function segmentCustomers(input: SegmentInput, k: number, previous?: ReadonlyMap<string, string>, seed = 7): Segmentation {
  const n = input.userIds.length;
  const buyers: number[] = [];
  const browsers: number[] = [];
  for (let u = 0; u < n; u++) (input.frequency[u]! > 0 ? buyers : browsers).push(u);
  const g = input.groups.length;
  const overallTaste = new Float64Array(g);
  for (let u = 0; u < n; u++) for (let j = 0; j < g; j++) overallTaste[j]! += input.taste[u * g + j]! / Math.max(1, n);
  const totalSpend = Array.from({ length: n }, (_, u) => Math.max(0, input.monetary[u]!)).reduce((s, v) => s + v, 0);
  const clusterOf = new Int32Array(n).fill(-1);
  let k2 = 0;
  if (buyers.length > 0) {
    const taste = leadingGroups(input, buyers);
    const x = buyers.map((u) => [
      Math.log1p(input.recencyDays[u]!), Math.log1p(input.frequency[u]!), Math.log1p(Math.max(0, input.monetary[u]!)), logit(input.intent[u]!),
      input.viewShare[u]!, input.cartShare[u]!, input.searchShare[u]!, ...taste.map((j) => input.taste[u * g + j]!),
    ]);
    standardizeColumns(x, [1, 1, 1, 1, 1, 1, 1, ...taste.map(() => TASTE_WEIGHT)]);
    // Last run's segments, re-centred on their members' features tonight: the biggest first, at most k of them.
    const init: number[][] = [];
    if (previous && previous.size > 0) {
      const sums = new Map<string, { s: number[]; n: number }>();
      buyers.forEach((u, i) => {
        const p = previous.get(input.userIds[u]!);
        if (p === undefined || p === BROWSERS_SEGMENT) return;
        let acc = sums.get(p);
        if (!acc) sums.set(p, (acc = { s: new Array<number>(x[i]!.length).fill(0), n: 0 }));
        x[i]!.forEach((v, j) => (acc.s[j]! += v));
        acc.n++;
      });
      for (const [, a] of [...sums].sort((p, q) => q[1].n - p[1].n || (p[0] < q[0] ? -1 : 1)).slice(0, k)) init.push(a.s.map((v) => v / a.n));
    }
    const { assignment } = kmeans(x, k, { seed, init });
    buyers.forEach((u, i) => (clusterOf[u] = assignment[i]!));
    k2 = Math.min(k, buyers.length);
  }
  const groupsOf = Array.from({ length: k2 }, () => [] as number[]);
  for (const u of buyers) groupsOf[clusterOf[u]!]!.push(u);
  const profiles = groupsOf.map((m) => profileOf(input, m, totalSpend, overallTaste));
  const live = profiles.map((p, c) => ({ p, c })).filter((x) => x.p.size > 0);
  const z = live.map(({ p }) => [Math.log1p(p.medianRecencyDays), Math.log1p(p.medianFrequency), Math.log1p(p.medianTenureDays)]);
  standardizeColumns(z);
  const named = live.map(({ p, c }, i) => {
    const [label, description] = labelFor(z[i]![0]!, z[i]![1]!, z[i]![2]!);
    return { c, p, label, description };
  });
  disambiguate(named);
  const prevOf = input.userIds.map((id) => previous?.get(id) ?? null);
  const matchedIds = matchToPrevious(clusterOf, prevOf, k2);
  const used = new Set<string>([...(previous?.values() ?? [])]);
  const idOf = new Map<number, string>();
  for (const s of named) {
    const kept = matchedIds[s.c];
    if (kept) idOf.set(s.c, kept);
  }
  const taken = new Set(idOf.values());
  for (const s of [...named].sort((a, b) => a.p.medianRecencyDays - b.p.medianRecencyDays || a.c - b.c)) {
    if (idOf.has(s.c)) continue;
    // A new segment gets its label as id, never one a previous segment used (or one taken tonight).
    let id = slug(s.label);
    for (let i = 2; taken.has(id) || used.has(id) || id === BROWSERS_SEGMENT; i++) id = `${slug(s.label)}-${i}`;
    idOf.set(s.c, id);
    taken.add(id);
  }
  const segments: Segment[] = named
    .sort((a, b) => a.p.medianRecencyDays - b.p.medianRecencyDays || a.c - b.c)
    .map((s) => ({ segmentId: idOf.get(s.c)!, label: s.label, description: describe(s.description, s.p), profile: s.p, userIds: groupsOf[s.c]!.map((u) => input.userIds[u]!) }));
  if (browsers.length > 0) {
    const p = profileOf(input, browsers, totalSpend, overallTaste);
    segments.push({ segmentId: BROWSERS_SEGMENT, label: 'Browsers', description: describe('Visited but never bought; a first-order offer.', p), profile: p, userIds: browsers.map((u) => input.userIds[u]!) });
  }
  const segOf = new Map<string, string>();
  for (const s of segments) for (const u of s.userIds) segOf.set(u, s.segmentId);
  let both = 0;
  let moved = 0;
  if (previous && previous.size > 0) {
    for (const [u, p] of previous) {
      const now = segOf.get(u);
      if (now === undefined) continue;
      both++;
      if (now !== p) moved++;
    }
  }
  const matched = named.filter((s) => matchedIds[s.c]).length + (browsers.length > 0 && used.has(BROWSERS_SEGMENT) ? 1 : 0);
  return { segments, movedShare: previous && previous.size > 0 ? (both > 0 ? moved / both : 0) : null, matched };
}

/** Two clusters can earn the same label: tell them apart by the taste that sets each apart, else by spend. */
function disambiguate(named: { p: SegmentProfile; label: string }[]): void {
  for (const label of new Set(named.map((s) => s.label))) {
    const same = named.filter((s) => s.label === label);
    if (same.length < 2) continue;
    const tastes = same.map((s) => s.p.topGroups[0]?.group ?? null);
    if (tastes.every((t) => t !== null) && new Set(tastes).size === same.length) {
      same.forEach((s, i) => (s.label = `${label} (${tastes[i]!})`));
      continue;
    }
    same.sort((a, b) => b.p.medianMonetary - a.p.medianMonetary).forEach((s, i) => {
      const tier = i === 0 ? 'higher spend' : i === same.length - 1 ? 'lower spend' : `spend tier ${i + 1}`;
      s.label = `${label} (${tier})`;
    });
  }
}

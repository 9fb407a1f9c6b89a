/**
 * `npm run bench -- panel`: what `personal_knn`'s similar-customer search costs on a big shop, and what its bounds
 * (ml/customer-panel.ts: postings per item, query items) give up against the exact search.
 * A synthetic shop (the generator's tastes) is fitted into a panel; then a sample of its customers is searched as
 * nightly scoring searches them (searches per second, postings read), and a smaller sample is compared with the
 * exact cosine top 100 over the whole panel with every item of the customer (neighbour recall).
 */
import { decayedBuys } from '../../ml/baselines';
import { fitPanel, PANEL_NEIGHBOURS, PANEL_POSTINGS, PANEL_QUERY_ITEMS, PanelSearch, type CustomerPanel } from '../../ml/customer-panel';
import { buildSnapshot, type Snapshot } from '../../ml/snapshot';
import { topK } from '../../ml/topk';
import type { EventRecord } from '../../ml/types';
import { asEventRecord, ShopGenerator } from '../lib/generator';
import type { Bench } from './types';

const SHOP = { users: 100_000, items: 20_000, days: 120 };
const SEARCHED = 20_000;
const EXACT = 200;

function shop(): EventRecord[] {
  const gen = new ShopGenerator({ users: SHOP.users, items: SHOP.items, days: SHOP.days, seed: 11, malformedRate: 0, sessionsPerUserDay: 0.1 });
  return Array.from(gen.events(), asEventRecord);
}

/** The exact top-k panel rows by cosine with every item of the customer, no posting bound (the customer left out). */
function exactNearest(panel: CustomerPanel, userId: string, items: number[], weights: number[], k: number): Set<number> {
  const q = new Map(items.map((i, t) => [i, weights[t]!]));
  const cos = new Float64Array(panel.userIds.length);
  for (let r = 0; r < panel.userIds.length; r++) {
    if (panel.userIds[r] === userId) continue;
    let dot = 0;
    for (let p = panel.rowStart[r]!; p < panel.rowStart[r + 1]!; p++) dot += (q.get(panel.item[p]!) ?? 0) * panel.share[p]!;
    cos[r] = dot / panel.norm[r]!;
  }
  return new Set(Array.from(topK(cos, k)).filter((r) => cos[r]! > 0));
}

/** Customers of the snapshot with decayed buys, every `step`-th one. */
function sample(snap: Snapshot, count: number): number[] {
  const buyers: number[] = [];
  for (let u = 0; u < snap.userIds.length; u++) if (snap.user.lines[u]! > 0) buyers.push(u);
  const step = Math.max(1, Math.floor(buyers.length / count));
  return buyers.filter((_, t) => t % step === 0).slice(0, count);
}

function measure(): Record<string, number> {
  const t0 = Date.now();
  const events = shop();
  const snap = buildSnapshot(events, events.reduce((m, e) => Math.max(m, e.ts), 0) + 1);
  process.stderr.write(`  shop: ${events.length} events, ${snap.userIds.length} customers in ${((Date.now() - t0) / 1000).toFixed(1)} s\n`);
  let t = process.hrtime.bigint();
  const panel = fitPanel(snap);
  const fitSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  t = process.hrtime.bigint();
  const search = new PanelSearch(panel, snap.itemIds.length);
  const indexSeconds = Number(process.hrtime.bigint() - t) / 1e9;
  const bytes = panel.rowStart.byteLength + panel.item.byteLength + panel.share.byteLength + panel.norm.byteLength +
    panel.userIds.reduce((s, id) => s + id.length + 3, 0);

  const queries = sample(snap, SEARCHED).map((u) => ({ id: snap.userIds[u]!, ...decayedBuys(snap, u) }));
  let postings = 0;
  let maxPostings = 0;
  t = process.hrtime.bigint();
  for (const q of queries) {
    const r = search.nearest(q.id, q.items, q.weights);
    postings += r.postings;
    maxPostings = Math.max(maxPostings, r.postings);
  }
  const searchSeconds = Number(process.hrtime.bigint() - t) / 1e9;

  let found = 0;
  let wanted = 0;
  for (const q of queries.slice(0, EXACT)) {
    const exact = exactNearest(panel, q.id, q.items, q.weights, PANEL_NEIGHBOURS);
    wanted += exact.size;
    for (const r of search.nearest(q.id, q.items, q.weights).rows) if (exact.has(r)) found++;
  }
  const perSecond = queries.length / searchSeconds;
  process.stderr.write(`  panel ${panel.userIds.length} customers, ${panel.item.length} entries (${(bytes / 1e6).toFixed(1)} MB); ` +
    `${perSecond.toFixed(0)} searches/s, ${(postings / queries.length).toFixed(0)} postings a search (max ${maxPostings}); ` +
    `neighbour recall vs exact ${(found / Math.max(1, wanted)).toFixed(3)}\n`);
  return {
    customers: snap.userIds.length, items: snap.itemIds.length, events: events.length,
    panel_customers: panel.userIds.length, panel_entries: panel.item.length, panel_mb: bytes / 1e6,
    panel_fit_seconds: fitSeconds, index_build_seconds: indexSeconds,
    postings_cap: PANEL_POSTINGS, query_items_cap: PANEL_QUERY_ITEMS, neighbours: PANEL_NEIGHBOURS,
    searched_customers: queries.length, searches_per_second: perSecond,
    mean_postings_per_search: postings / queries.length, max_postings_per_search: maxPostings,
    million_customers_seconds: 1e6 / perSecond,
    exact_compared_customers: Math.min(EXACT, queries.length), neighbour_recall_vs_exact: found / Math.max(1, wanted),
  };
}

export const panelBench: Bench = {
  name: 'panel',
  description: `personal_knn's similar-customer search on ${SHOP.users.toLocaleString('en')} customers × ${SHOP.items.toLocaleString('en')} items: ` +
    'searches per second, postings read, neighbour recall against the exact search',
  run: () => Promise.resolve(measure()),
};

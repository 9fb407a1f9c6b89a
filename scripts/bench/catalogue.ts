/**
 * `npm run bench -- catalogue`: how fitting the item-item sources grows with the catalogue. Item-item models
 * go through dense n×n matrices, so they are capped to the MAX_DENSE_ITEMS most popular items (ml/item-block.ts).
 * This bench fits the sources on synthetic shops of growing catalogues and reports seconds and peak RSS, and
 * times the uncapped fit on the 8,000-item shop for the ratio (uncapped, the larger ones would need gigabytes
 * and hours, which is the point).
 */
import { MAX_DENSE_ITEMS } from '../../ml/item-block';
import { buildSnapshot } from '../../ml/snapshot';
import { DEFAULT_SOURCE_PARAMS, fitSources } from '../../ml/sources';
import type { EventRecord } from '../../ml/types';
import { selectBackend } from '../../ml/backend';
import { ShopGenerator } from '../lib/generator';
import type { Bench } from './types';

function shop(items: number): EventRecord[] {
  const gen = new ShopGenerator({ users: 20_000, items, days: 60, seed: 7, malformedRate: 0, sessionsPerUserDay: 0.15 });
  const out: EventRecord[] = [];
  for (const e of gen.events()) {
    out.push({
      userId: e.user, itemId: e.item || null, type: e.type, ts: e.ms, quantity: e.quantity, price: e.price,
      query: e.query || null, dwellMs: e.dwellMs, sessionId: e.session,
    });
  }
  return out;
}

function fitSeconds(events: EventRecord[], maxDenseItems: number): { seconds: number; items: number } {
  const anchor = events.reduce((m, e) => Math.max(m, e.ts), 0) + 1;
  const snap = buildSnapshot(events, anchor);
  const t0 = process.hrtime.bigint();
  fitSources(snap, { ...DEFAULT_SOURCE_PARAMS, maxDenseItems });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, items: snap.itemIds.length };
}

export const catalogueBench: Bench = {
  name: 'catalogue',
  description: `item-item source fit vs catalogue size (dense fits capped at ${MAX_DENSE_ITEMS} items)`,
  async run() {
    await selectBackend('wasm');
    const figures: Record<string, number | string> = { max_dense_items: MAX_DENSE_ITEMS };
    let base = 0;
    for (const items of [4_000, 8_000, 12_000, 40_000]) {
      const events = shop(items);
      const r = fitSeconds(events, MAX_DENSE_ITEMS);
      process.stderr.write(`  ${items} items (${r.items} with events, ${events.length} events): ${r.seconds.toFixed(1)} s\n`);
      figures[`items_${items}_with_events`] = r.items;
      figures[`fit_seconds_${items}`] = r.seconds;
      if (items === 4_000) base = r.seconds;
      else figures[`ratio_${items}_vs_4000`] = r.seconds / base;
      if (items === 8_000) {
        // The same shop with no cap: dense matrices over every item, what the cap saves (n³ for EASE's inverse).
        const full = fitSeconds(events, Number.MAX_SAFE_INTEGER);
        process.stderr.write(`  ${items} items uncapped: ${full.seconds.toFixed(1)} s\n`);
        figures.fit_seconds_8000_uncapped = full.seconds;
        figures.ratio_8000_uncapped_vs_capped = full.seconds / r.seconds;
      }
    }
    figures.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
    return figures;
  },
};

/**
 * `npm run bench -- catalogue`: how fitting the item-item sources grows with the catalogue.
 * - EASE goes through dense n×n matrices, so it is capped to the MAX_DENSE_ITEMS most popular items
 *   (ml/item-block.ts), and every other item joins that block on its own (ml/ease-tail.ts; the fit seconds include
 *   it, `ease_items_with_neighbours_N` counts the items EASE links). The co-purchase cosine is built sparse (ml/sparse-neighbours.ts) over every item.
 *   The sources are fitted on synthetic shops of growing catalogues (seconds, and the share of bought items with
 *   co-purchase neighbours before, when the cosine was capped like EASE, and now), and the uncapped dense fit is
 *   timed on the 8,000-item shop for the ratio (uncapped, the larger ones would need gigabytes and hours).
 * - The sparse builder alone at 100,000 items and 1,000,000 customers (the `catalogue` shape's tastes), in a child
 *   process so its peak RSS is its own: build seconds, peak RSS, work, coverage before/after.
 */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import { purchaseCsr } from '../../ml/baselines';
import { MAX_DENSE_ITEMS } from '../../ml/item-block';
import { buildSnapshot } from '../../ml/snapshot';
import { DEFAULT_SOURCE_PARAMS, fitSources } from '../../ml/sources';
import { itemsWithNeighbours } from '../../ml/sparse-neighbours';
import type { EventRecord } from '../../ml/types';
import { selectBackend } from '../../ml/backend';
import { asEventRecord, ShopGenerator } from '../lib/generator';
import { coverageBeforeAfter } from './cooccurrence-child';
import type { Bench } from './types';

/** The sparse builder's own run: customers and items of the big shop. */
const BIG = { customers: 1_000_000, items: 100_000 };

function shop(items: number): EventRecord[] {
  const gen = new ShopGenerator({ users: 20_000, items, days: 60, seed: 7, malformedRate: 0, sessionsPerUserDay: 0.15 });
  return Array.from(gen.events(), asEventRecord);
}

function fit(events: EventRecord[], maxDenseItems: number) {
  const anchor = events.reduce((m, e) => Math.max(m, e.ts), 0) + 1;
  const snap = buildSnapshot(events, anchor);
  const t0 = process.hrtime.bigint();
  const src = fitSources(snap, { ...DEFAULT_SOURCE_PARAMS, maxDenseItems });
  return { seconds: Number(process.hrtime.bigint() - t0) / 1e9, items: snap.itemIds.length, snap, src };
}

/** The child's figures (cooccurrence-child.ts). */
interface ChildFigures {
  purchases: number; build_seconds: number; triples: number; capped_customers: number; max_user_items: number; min_count: number;
  rss_input_mb: number; peak_rss_mb: number; items_bought: number; coverage_before: number; coverage_after: number;
}

function bigBuild(): Promise<ChildFigures> {
  const script = resolve(__dirname, 'cooccurrence-child.js');
  return new Promise((ok, fail) => {
    execFile(
      process.execPath, ['--expose-gc', script, '--customers', String(BIG.customers), '--items', String(BIG.items)], { maxBuffer: 1 << 20 },
      (err, stdout, stderr) => {
        if (err) return fail(new Error(`co-occurrence child failed: ${stderr || err.message}`));
        ok(JSON.parse(stdout.trim().split('\n').pop() ?? '') as ChildFigures);
      },
    );
  });
}

export const catalogueBench: Bench = {
  name: 'catalogue',
  description: `item-item source fit vs catalogue size (EASE capped at ${MAX_DENSE_ITEMS} items; co-purchase cosine sparse, ` +
    `alone at ${BIG.items.toLocaleString('en')} items × ${BIG.customers.toLocaleString('en')} customers)`,
  async run() {
    await selectBackend('wasm');
    const figures: Record<string, number | string> = { max_dense_items: MAX_DENSE_ITEMS };
    const big = await bigBuild();
    process.stderr.write(`  sparse builder, ${BIG.items} items × ${BIG.customers} customers (${big.purchases} purchases): ` +
      `${big.build_seconds.toFixed(1)} s, peak RSS ${big.peak_rss_mb} MB (input ${big.rss_input_mb} MB); bought items with neighbours ` +
      `${(big.coverage_before * 100).toFixed(1)}% capped → ${(big.coverage_after * 100).toFixed(1)}%\n`);
    Object.assign(figures, {
      sparse_items: BIG.items, sparse_customers: BIG.customers, sparse_purchases: big.purchases, sparse_build_seconds: big.build_seconds,
      sparse_peak_rss_mb: big.peak_rss_mb, sparse_input_rss_mb: big.rss_input_mb, sparse_triples: big.triples,
      sparse_triples_per_second: big.triples / big.build_seconds, sparse_capped_customers: big.capped_customers,
      sparse_max_user_items: big.max_user_items, sparse_min_count: big.min_count, sparse_items_bought: big.items_bought,
      sparse_coverage_before: big.coverage_before, sparse_coverage_after: big.coverage_after,
    });
    let base = 0;
    for (const items of [4_000, 8_000, 12_000, 40_000]) {
      const events = shop(items);
      const r = fit(events, MAX_DENSE_ITEMS);
      const csr = purchaseCsr(r.snap);
      const cov = coverageBeforeAfter(csr.rowStart, csr.item, r.items, { width: DEFAULT_SOURCE_PARAMS.neighbours });
      process.stderr.write(`  ${items} items (${r.items} with events, ${events.length} events): ${r.seconds.toFixed(1)} s; ` +
        `bought items with co-purchase neighbours ${(cov.before * 100).toFixed(1)}% capped → ${(cov.after * 100).toFixed(1)}%\n`);
      figures[`items_${items}_with_events`] = r.items;
      figures[`fit_seconds_${items}`] = r.seconds;
      figures[`cosine_seconds_${items}`] = cov.seconds;
      figures[`coverage_before_${items}`] = cov.before;
      figures[`coverage_after_${items}`] = cov.after;
      // The fitted sources themselves, over every item with events (some were only viewed, so never bought); EASE's
      // items beyond the dense block have neighbours through ease-tail.ts.
      figures[`cosine_items_with_neighbours_${items}`] = itemsWithNeighbours(r.src.cosine);
      figures[`ease_items_with_neighbours_${items}`] = itemsWithNeighbours(r.src.ease);
      if (items === 4_000) base = r.seconds;
      else figures[`ratio_${items}_vs_4000`] = r.seconds / base;
      if (items === 8_000) {
        // The same shop with no cap: dense matrices over every item, what the cap saves (n³ for EASE's inverse).
        const full = fit(events, Number.MAX_SAFE_INTEGER);
        process.stderr.write(`  ${items} items uncapped: ${full.seconds.toFixed(1)} s\n`);
        figures.fit_seconds_8000_uncapped = full.seconds;
        figures.ratio_8000_uncapped_vs_capped = full.seconds / r.seconds;
      }
    }
    figures.peak_rss_mb = Math.round(process.resourceUsage().maxRSS / 1024);
    return figures;
  },
};

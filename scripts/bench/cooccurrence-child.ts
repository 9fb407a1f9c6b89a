/**
 * Builds the co-purchase neighbours (ml/sparse-neighbours.ts) of a synthetic catalogue with the `catalogue` shape's
 * tastes in its own process, and prints one JSON line (seconds, peak RSS, work, coverage), so the catalogue bench
 * reads the builder's memory without its own. `npm run bench -- catalogue` runs it; by hand:
 *   node --expose-gc dist/scripts/bench/cooccurrence-child.js --customers 1000000 --items 100000
 */
import { parseCli, exitWithUsage, type CliSpec } from '../../config/cli';
import { columnSums, itemBlock, MAX_DENSE_ITEMS, restrictRows } from '../../ml/item-block';
import { cooccurrenceNeighbours, DEFAULT_COOCCURRENCE, type CooccurrenceParams } from '../../ml/sparse-neighbours';
import { makeRng } from '../lib/generator-rng';
import { catalogueTastes } from '../lib/generator-shapes';

const CLI = {
  command: 'node dist/scripts/bench/cooccurrence-child.js',
  summary: 'Times the sparse co-purchase neighbour build on a synthetic catalogue and prints its figures as one JSON line.',
  options: {
    customers: { type: 'string', value: 'N', default: '1000000', description: 'customers' },
    items: { type: 'string', value: 'M', default: '100000', description: 'catalogue items' },
    'min-count': { type: 'string', value: 'C', default: String(DEFAULT_COOCCURRENCE.minCount), description: 'fewest common customers of a neighbour pair' },
  },
} as const satisfies CliSpec;

/** Customer × item purchase rows (CSR) with the catalogue shape's tastes, built without event objects. */
export function catalogueRows(customers: number, items: number, seed = 1): { rowStart: Int32Array; item: Int32Array } {
  const rowStart = new Int32Array(customers + 1);
  let item = new Int32Array(1 << 20);
  let nnz = 0;
  for (const p of catalogueTastes(makeRng(seed), items, customers)) {
    if (nnz === item.length) {
      const grown = new Int32Array(item.length * 2);
      grown.set(item);
      item = grown;
    }
    item[nnz++] = p.item;
    rowStart[p.user + 1] = nnz;
  }
  // Customers with no purchase (none in this shape, but the CSR must not go back) keep the previous end.
  for (let u = 1; u <= customers; u++) if (rowStart[u]! < rowStart[u - 1]!) rowStart[u] = rowStart[u - 1]!;
  return { rowStart, item: item.slice(0, nnz) };
}

/**
 * Share of the bought items with at least one neighbour: over the whole catalogue (sparse) and, as before it, over
 * the MAX_DENSE_ITEMS most bought only (what a dense fit covered).
 */
export function coverageBeforeAfter(
  rowStart: Int32Array, item: Int32Array, n: number, p: Partial<CooccurrenceParams>,
): { bought: number; before: number; after: number; seconds: number; triples: number; cappedUsers: number } {
  const pop = columnSums(item, null, n);
  const bought = pop.reduce((c, v) => c + (v > 0 ? 1 : 0), 0);
  const block = itemBlock(pop, MAX_DENSE_ITEMS);
  const r = restrictRows(rowStart, item, null, block);
  const before = cooccurrenceNeighbours(r.rowStart, r.item, null, block.size, p).coveredItems;
  const t0 = process.hrtime.bigint();
  const fit = cooccurrenceNeighbours(rowStart, item, null, n, p);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { bought, before: before / bought, after: fit.coveredItems / bought, seconds, triples: fit.triples, cappedUsers: fit.cappedUsers };
}

function main(): void {
  const { values } = parseCli(CLI);
  const customers = Number(values.customers);
  const items = Number(values.items);
  const minCount = Number(values['min-count']);
  for (const [k, v] of [['customers', customers], ['items', items], ['min-count', minCount]] as const) {
    if (!Number.isInteger(v) || v < 1) exitWithUsage(CLI, `--${k} must be a positive integer`);
  }
  const t0 = Date.now();
  const m = catalogueRows(customers, items);
  const genSeconds = (Date.now() - t0) / 1000;
  (globalThis as { gc?: () => void }).gc?.();
  const mb = (b: number): number => Math.round(b / 2 ** 20);
  const rssInput = mb(process.memoryUsage().rss);
  const peakBefore = Math.round(process.resourceUsage().maxRSS / 1024);
  // The timed build (whole catalogue) runs after the small capped one, so its peak is the process's peak.
  const t1 = process.hrtime.bigint();
  const p = { width: DEFAULT_COOCCURRENCE.width, minCount, maxUserItems: DEFAULT_COOCCURRENCE.maxUserItems };
  const c = coverageBeforeAfter(m.rowStart, m.item, items, p);
  const wall = Number(process.hrtime.bigint() - t1) / 1e9;
  process.stdout.write(`${JSON.stringify({
    customers, items, purchases: m.item.length, generate_seconds: genSeconds, build_seconds: c.seconds, both_builds_seconds: wall,
    triples: c.triples, capped_customers: c.cappedUsers, max_user_items: p.maxUserItems, min_count: minCount, width: p.width,
    rss_input_mb: rssInput, peak_rss_mb_before_build: peakBefore, peak_rss_mb: Math.round(process.resourceUsage().maxRSS / 1024),
    items_bought: c.bought, coverage_before: c.before, coverage_after: c.after,
  })}\n`);
}

if (require.main === module) main();

import { anyPricedPurchase, bucketStats, countEvents, readRawEventPages, StoreBuild, type KeyedEvent } from '../../db/events';
import { cleanWithReport, returnEvents } from '../../ml/clean';
import type { Handler } from '../context';
import { require_ } from '../../config/errors';
import { QualityTally } from './event-quality';

/**
 * Cleans the raw events once, page by page, into the training store (every row with its customer's bucket,
 * returns and cancellations kept apart for the intent features), and swaps it in at once. train, the scoring
 * shards and segment read the store; nothing reads raw events again.
 * The result reports every dropped event by reason; keeping none fails the job (not retried).
 */
export const preprocess: Handler<'preprocess'> = async (payload, ctx) => {
  const started = Date.now();
  const excludedItemIds = payload.excludedItemIds ?? ctx.config.EXCLUDED_ITEM_IDS;
  // One price rule for the whole shop (a 0 is "unknown" only where no purchase has a price), before any page.
  const anyPositivePrice = await anyPricedPurchase(ctx.db);
  const total = await countEvents(ctx.db);
  require_(total > 0, 'no events to preprocess: run an ingest first');
  const build = await StoreBuild.begin(ctx.db);
  try {
    const tally = new QualityTally();
    let firstAt = Infinity;
    let lastAt = -Infinity;
    let returns = 0;
    for await (const raw of readRawEventPages(ctx.db)) {
      const r = cleanWithReport<KeyedEvent>(raw, { excludedItemIds, anyPositivePrice });
      tally.add(r);
      for (const e of r.events) {
        if (e.ts < firstAt) firstAt = e.ts;
        if (e.ts > lastAt) lastAt = e.ts;
      }
      const back = returnEvents(raw, { excludedItemIds });
      returns += back.length;
      await build.append(r.events);
      await build.append(back);
      await ctx.progress(5 + (45 * tally.rawEvents) / total, { phase: 'cleaning events into the store', read: tally.rawEvents, kept: build.appended });
    }
    const quality = tally.finish('preprocess');
    for (const w of quality.warnings) ctx.log(`warning: ${w}`);
    await ctx.progress(50, { phase: 'indexing the store by customer bucket', rows: build.appended });
    await build.index();

    const asOf = payload.asOf ? Date.parse(payload.asOf) : lastAt;
    const customers = (await bucketStats(ctx.db, build.tables)).reduce((n, s) => n + s.customers, 0);
    await build.publish({
      rawEvents: quality.rawEvents, events: quality.keptEvents, returns, customers, firstAt: Number.isFinite(firstAt) ? firstAt : null,
      lastAt: Number.isFinite(lastAt) ? lastAt : null, asOf, excludedItemIds, quality: { ...quality },
    });
    await ctx.progress(100);
    return {
      cleanEvents: quality.keptEvents,
      droppedEvents: quality.rawEvents - quality.keptEvents,
      ...quality,
      returns,
      customers,
      asOf: new Date(asOf).toISOString(),
      seconds: (Date.now() - started) / 1000,
    };
  } catch (err) {
    await build.abandon().catch(() => undefined);
    throw err;
  }
};

import { loadAllEvents } from '../../db/repositories/behaviour';
import { replaceFeatures } from '../../db/repositories/features';
import { aggregateInteractions, computeUserFeatures } from '../../ml/aggregate';
import type { Handler } from '../context';
import { require_ } from '../../config/errors';
import { cleanForJob } from './event-quality';

/**
 * Cleans raw events and rebuilds the interactions and user-feature tables as of the newest event (or `asOf`).
 * The result reports every dropped event by reason; keeping none fails the job (not retried).
 */
export const preprocess: Handler<'preprocess'> = async (payload, ctx) => {
  const started = Date.now();
  const raw = await loadAllEvents(ctx.db, (n) => ctx.progress(5, { phase: 'loading events', loaded: n }));
  require_(raw.length > 0, 'no events to preprocess: run an ingest first');
  const excludedItemIds = payload.excludedItemIds ?? ctx.config.EXCLUDED_ITEM_IDS;
  const { events, quality } = cleanForJob(raw, excludedItemIds, 'preprocess');
  for (const w of quality.warnings) ctx.log(`warning: ${w}`);
  const asOf = payload.asOf ? Date.parse(payload.asOf) : events.reduce((m, e) => Math.max(m, e.ts), 0);
  await ctx.progress(50, { phase: 'aggregating', events: events.length });
  const interactions = aggregateInteractions(events, { asOf });
  const users = computeUserFeatures(events, asOf);
  await ctx.progress(70, { phase: 'writing', interactions: interactions.length, users: users.length });
  await replaceFeatures(ctx.db, interactions, users, asOf);
  await ctx.progress(100);
  return {
    cleanEvents: events.length,
    droppedEvents: raw.length - events.length,
    ...quality,
    interactions: interactions.length,
    users: users.length,
    asOf: new Date(asOf).toISOString(),
    seconds: (Date.now() - started) / 1000,
  };
};

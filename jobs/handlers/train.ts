import { loadAllEvents } from '../../db/repositories/behaviour';
import { getActiveModel, registerModel } from '../../db/repositories/models';
import { selectBackend } from '../../ml/backend';
import { cleanEvents, returnEvents } from '../../ml/clean';
import { evaluateProtocol, fitChampion, serializeModel, shouldPromote, type GateMetrics } from '../../ml';
import type { Handler } from '../context';
import { require_ } from '../errors';

const DAY = 86_400_000;
export const CHAMPION_KIND = 'champion';

/**
 * Evaluates the champion against the baselines on a temporal holdout (the last `horizonDays`), refits it on
 * all data for serving, and registers the version; it becomes active only if it passes the promotion gate.
 */
export const train: Handler<'train'> = async (payload, ctx) => {
  const backend = await selectBackend(ctx.config.ML_BACKEND);
  ctx.log(`tfjs backend: ${backend}`);
  const k = payload.k ?? ctx.config.TOP_K;
  const horizonDays = payload.horizonDays ?? ctx.config.INTENT_HORIZON_DAYS;
  const excludedItemIds = payload.excludedItemIds ?? ctx.config.EXCLUDED_ITEM_IDS;
  const raw = await loadAllEvents(ctx.db, (n) => ctx.progress(2, { phase: 'loading events', loaded: n }));
  require_(raw.length > 0, 'no events to train on: run an ingest first');
  const events = cleanEvents(raw, { excludedItemIds });
  const lastTs = events.reduce((m, e) => Math.max(m, e.ts), 0);
  const splitTs = lastTs - horizonDays * DAY;

  const started = Date.now();
  await ctx.progress(10, { phase: 'holdout evaluation', events: events.length });
  // The protocol logs each phase; each line also nudges progress so Bull Board shows a live job.
  let phase = 10;
  // The protocol cleans what it is given; hand it the raw events so nothing is cleaned twice.
  const report = await evaluateProtocol(raw, {
    excludedItemIds,
    splitTs,
    k,
    horizonDays,
    backend,
    tune: ctx.config.TRAIN_TUNE,
    log: (m) => {
      ctx.log(m);
      phase = Math.min(55, phase + 3);
      ctx.progress(phase, { phase: m.slice(0, 80) }).catch(() => undefined); // progress is best effort
    },
  });
  await ctx.progress(60, { phase: 'fitting on all data' });
  const model = await fitChampion(events, { asOf: lastTs, k, horizonDays, returns: returnEvents(raw, { excludedItemIds }) });
  const artifact = serializeModel(model);
  const trainSeconds = (Date.now() - started) / 1000;

  const { baselines, ...metrics } = report;
  const active = await getActiveModel(ctx.db, CHAMPION_KIND);
  const gate = shouldPromote(metrics, (active?.metrics as GateMetrics | undefined) ?? null, ctx.config.PROMOTION_MARGIN);
  await ctx.progress(95, { phase: 'registering' });
  const version = await registerModel(
    ctx.db,
    {
      kind: CHAMPION_KIND,
      backend,
      params: { k, horizonDays, excludedItemIds: excludedItemIds.length, ...model.params },
      dataWindow: { from: new Date(events.reduce((m, e) => Math.min(m, e.ts), lastTs)).toISOString(), split: new Date(splitTs).toISOString(), to: new Date(lastTs).toISOString(), events: events.length },
      metrics,
      baselines,
      decision: gate.reason,
      trainSeconds,
      artifact,
    },
    gate.promote,
  );
  await ctx.progress(100);
  return { version, promoted: gate.promote, decision: gate.reason, backend, trainSeconds, artifactBytes: artifact.length, metrics };
};

import { bucketStats, loadStoreRange, planSample } from '../../db/events';
import { getActiveModel, registerModel } from '../../db/repositories/models';
import { selectBackend } from '../../ml/backend';
import {
  describeSelection, evaluateRolling, fitChampion, withPolicy, forwardWarnings, planCuts, planHoldout, publishedIntent, serializeModel, servedGateMetrics, servedSpread, shouldPromote,
  type GateMetrics,
} from '../../ml';
import type { Handler } from '../context';
import type { EventQuality } from './event-quality';
import { extraExclusions, requireStore, withoutItems } from './store-input';

export const CHAMPION_KIND = 'champion';

/**
 * Evaluates the champion against the baselines on the shop's holdout (the last `horizonDays`; wider, or each
 * customer's last basket, when that holds too few customers) at several cuts (rolling origin), picks per list
 * what serves best on the cuts pooled (the champion, a baseline or a blend: never a list a baseline beats) and the
 * intent scorer (the learned one, or the RFM logistic when that wins; a rule when the label is degenerate), refits
 * on all data for serving with those choices, and registers the version; it becomes active only if its served
 * for-you list passes the promotion gate.
 * It learns from the training store preprocess wrote: all of it, or whole customer buckets up to TRAIN_MAX_EVENTS
 * rows (a uniform sample of customers, recorded in the result and the registry's data window as `sample`).
 */
export const train: Handler<'train'> = async (payload, ctx) => {
  const backend = await selectBackend(ctx.config.ML_BACKEND);
  ctx.log(`tfjs backend: ${backend}`);
  const k = payload.k ?? ctx.config.TOP_K;
  const horizonDays = payload.horizonDays ?? ctx.config.INTENT_HORIZON_DAYS;
  const excludedItemIds = payload.excludedItemIds ?? ctx.config.EXCLUDED_ITEM_IDS;
  // The clean events preprocess stored, read by customer bucket: all of them, or whole buckets up to the budget.
  const store = await requireStore(ctx.db, 'train');
  const samplePlan = planSample(await bucketStats(ctx.db), ctx.config.TRAIN_MAX_EVENTS);
  const sample = {
    sampled: samplePlan.sampled, buckets: samplePlan.range.hi - samplePlan.range.lo, customers: samplePlan.customers, events: samplePlan.events, rows: samplePlan.rows,
    ofCustomers: samplePlan.totalCustomers, ofEvents: samplePlan.totalEvents, budget: ctx.config.TRAIN_MAX_EVENTS,
  };
  if (samplePlan.sampled) {
    ctx.log(`sample: ${samplePlan.customers} of ${samplePlan.totalCustomers} customers (${sample.buckets} buckets), ${samplePlan.rows} of ${samplePlan.totalRows} rows (TRAIN_MAX_EVENTS ${ctx.config.TRAIN_MAX_EVENTS})`);
  }
  const slice = await loadStoreRange(ctx.db, samplePlan.range, (n) => ctx.progress(2, { phase: 'reading the training store', rows: n, of: samplePlan.rows }));
  const extra = extraExclusions(store, excludedItemIds);
  const events = withoutItems(slice.events, extra);
  const returns = withoutItems(slice.returns, extra);
  // What preprocess reported when it cleaned the store (train cleans nothing again).
  const quality = store.quality as unknown as EventQuality;
  for (const w of quality.warnings) ctx.log(`warning (preprocess): ${w}`);
  const lastTs = events.reduce((m, e) => Math.max(m, e.ts), 0);
  const plan = planHoldout(events, horizonDays);
  const cuts = planCuts(events, horizonDays, plan, ctx.config.HOLDOUT_CUT_POINTS, {
    bigShop: { events: ctx.config.HOLDOUT_BIG_SHOP_EVENTS, cuts: ctx.config.HOLDOUT_BIG_SHOP_CUTS },
  });
  ctx.log(`holdout: ${plan.protocol}: ${plan.note}; ${cuts.note}`);

  const started = Date.now();
  await ctx.progress(10, { phase: 'holdout evaluation', events: events.length });
  // The protocol logs each phase; each line also nudges progress so Bull Board shows a live job.
  let phase = 10;
  // The protocol cleans what it is given (nothing to drop in clean events) and takes the returns apart again.
  const report = await evaluateRolling([...events, ...returns], cuts, {
    excludedItemIds,
    protocol: { name: plan.protocol, note: plan.note },
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
  const fitted = await fitChampion(events, { asOf: lastTs, k, horizonDays, returns });
  // The lists serve what won on the holdout (the refit keeps the choice; its figures are the holdout's).
  const model = report.selection
    ? withPolicy(fitted, { forYou: report.selection.for_you.choice, discover: report.selection.discover.choice })
    : fitted;
  // Intent: the RFM logistic when it won; a rule when the refit itself had no label window to learn from.
  const intent = publishedIntent(model.intent, {
    served: report.intent.served, note: report.intent.note, windows: report.rolling?.cuts.map((c) => ({ users: c.intent.users, positives: c.intent.positives })) ?? [],
  });
  model.intent = intent.model;
  if (intent.kind === 'rule') ctx.log(`warning: ${intent.note}`);
  const artifact = serializeModel(model);
  const trainSeconds = (Date.now() - started) / 1000;

  const { baselines, ...holdout } = report;
  const metrics = { ...holdout, intent: { ...holdout.intent, served: intent.served, kind: intent.kind, label: intent.label, note: intent.note } };
  const pooledIntent = report.rolling?.intent;
  const forward = report.rolling?.forward ?? null;
  const active = await getActiveModel(ctx.db, CHAMPION_KIND);
  const activeMetrics = active?.metrics as (GateMetrics & Parameters<typeof servedGateMetrics>[0]) | undefined;
  const gate = shouldPromote(servedGateMetrics(metrics), activeMetrics ? servedGateMetrics(activeMetrics) : null, ctx.config.PROMOTION_MARGIN);
  const decision = `${report.selection ? `${gate.reason}; ${describeSelection(report.selection)}` : gate.reason}; intent: ${intent.served}`;
  await ctx.progress(95, { phase: 'registering' });
  const version = await registerModel(
    ctx.db,
    {
      kind: CHAMPION_KIND,
      backend,
      params: { k, horizonDays, excludedItemIds: excludedItemIds.length, ...model.params },
      dataWindow: { from: new Date(events.reduce((m, e) => Math.min(m, e.ts), lastTs)).toISOString(), split: new Date(Math.min(plan.splitTs, lastTs)).toISOString(), protocol: plan.protocol, testUsers: plan.testUsers, cutPoints: cuts.cuts.map((c) => c.label), to: new Date(lastTs).toISOString(), events: events.length, quality, sample },
      metrics,
      baselines,
      decision,
      trainSeconds,
      artifact,
    },
    gate.promote,
  );
  await ctx.progress(100);
  return {
    version, promoted: gate.promote, decision, backend, trainSeconds, artifactBytes: artifact.length, metrics,
    events: quality, sample, monetary: model.params.monetary,
    protocol: { name: plan.protocol, note: plan.note, testUsers: plan.testUsers, cuts: cuts.note },
    cutPoints: cuts.cuts.map((c) => c.label),
    // Intent AUCs over the cuts (mean and spread) of the scorer published and of the RFM logistic it was compared with.
    intent: {
      served: intent.served, kind: intent.kind, label: intent.label, note: intent.note,
      auc: (intent.served === 'rfm_logistic' ? pooledIntent?.rfm_logistic_auc : pooledIntent?.model_auc) ?? null, rfmLogisticAuc: pooledIntent?.rfm_logistic_auc ?? null,
    },
    // Per list: what is served, with its NDCG@K over the cuts next to the champion's and the best baseline's (every method: metrics.selection.spread).
    lists: report.selection && 'spread' in report.selection ? servedSpread(report.selection) : null,
    // The choices made on the older cuts alone, judged on the newest: whether they held one horizon later.
    forward,
    warnings: [...quality.warnings, ...(intent.kind === 'rule' ? [intent.note] : []), ...forwardWarnings(forward)],
    served: report.selection ? { forYou: report.selection.for_you.served, discover: report.selection.discover.served } : null,
  };
};

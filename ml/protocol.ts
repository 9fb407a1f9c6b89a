import type { MlBackendName } from '../config/schema';
import { itemItemScorer, personalScorer, popularityScorer, purchaseCsr } from './baselines';
import { fitChampion, scoreUsers, rankerData, trainHeads, DEFAULT_CHAMPION_PARAMS, championSnapshot, type ChampionModel, type ChampionParams } from './champion';
import { cleanEvents, returnEvents } from './clean';
import { historySpan, requireHistory } from './history';
import { accumulateSparse, cosineFromGram, easeWeights, gramMatrix, topNeighbours } from './ease';
import { columnSums, itemBlock, liftNeighbours, MAX_DENSE_ITEMS, restrictRows } from './item-block';
import { neighbourLists, popularityReport, remapNeighbours, type MethodLists, type PopularityReport } from './popularity-eval';
import { makeScratch, N_FEATURES, userCandidates } from './features';
import { boughtMask, buyerLists, evaluateIntent, evaluateLists, listsFromScorer, type EvalContext, type ListReport, type Scorer } from './list-eval';
import { crossValidatedLogistic } from './logistic';
import { intentFeatures, N_INTENT_FEATURES } from './intent-features';
import { reliabilityTable, type ReliabilityBin } from './metrics';
import { predictMlp } from './mlp';
import { buildSnapshot, buyersInWindow, DAY, purchasesInWindow, type Snapshot } from './snapshot';
import { fitSources } from './sources';
import { DEFAULT_EMBEDDING, embeddingScores, trainEmbeddings } from './embedding';
import { topK } from './topk';
import type { EventRecord, ItemRecord } from './types';
import { inHeldOutBasket, type HoldoutProtocol } from './holdout';
import { selectLists, type SelectionReport } from './list-selection';

/** Figures of one method; list methods fill for_you/discover, intent methods fill intent. */
export interface MethodReport {
  for_you?: Record<string, number>;
  discover?: Record<string, number>;
  intent?: { auc: number; brier?: number };
  train_seconds?: number;
}

/** Everything `npm run eval` prints and the train job stores in the registry. */
export interface EvalReport {
  for_you: Record<string, number>;
  discover: Record<string, number>;
  /** `scorer` and `validation_auc`: the intent scorer picked on the most recent pre-split window, and why */
  intent: { auc: number; brier: number; reliability: ReliabilityBin[]; scorer: string; validation_auc: Record<string, number> };
  train_seconds: number;
  tune_seconds: number;
  backend: MlBackendName;
  k: number;
  split_ts: number;
  horizon_days: number;
  counts: { train_events: number; users: number; items: number; test_users: number; intent_users: number; intent_positives: number };
  baselines: Record<string, MethodReport>;
  /** each candidate source of the champion scored alone */
  sources: Record<string, MethodReport>;
  /** validation-window figures that chose the hyper-parameters (test window never consulted) */
  validation: { chosen: string; candidates: { name: string; ndcg: number; recall: number; recall_new: number }[] };
  params: ChampionParams;
  /** degraded paths taken on short or thin data (protocol and champion fit); empty on healthy data */
  fallbacks: string[];
  /** which holdout ran (see holdout.ts) and, when run, which list each served list uses and why */
  protocol?: { name: HoldoutProtocol; note: string };
  selection?: SelectionReport;
  /** with {@link ProtocolOptions.byPopularity}: figures by item popularity bucket, capped item-item vs whole catalogue */
  by_popularity?: PopularityReport;
}

/** Options of {@link evaluateProtocol}. */
export interface ProtocolOptions {
  splitTs: number;
  k: number;
  horizonDays: number;
  excludedItemIds?: string[];
  backend: MlBackendName;
  items?: readonly ItemRecord[];
  /** end of the test window (exclusive); default: split + horizon with that last calendar day included */
  testEndTs?: number;
  /** start of the test window (default: the split); −Infinity with `heldOutBaskets` */
  testFromTs?: number;
  /**
   * last-basket protocol (holdout.ts): each customer's held-out basket key. Those baskets (every event in them)
   * leave the training data and are the truth; the split is then the end of the data.
   */
  heldOutBaskets?: ReadonlyMap<string, string>;
  /** the holdout protocol's name and note, copied into the report */
  protocol?: { name: HoldoutProtocol; note: string };
  /** compare the champion with every baseline and blend per list through the serving path (default true) */
  select?: boolean;
  /** run the validation-window search (default true); otherwise `params` (or defaults) are used as given */
  tune?: boolean;
  params?: Partial<ChampionParams>;
  /**
   * report figures by item popularity (popularity-eval.ts); on a catalogue above the dense cap this fits the
   * champion a second time with the co-purchase cosine capped as it used to be (the "before"). Default false.
   */
  byPopularity?: boolean;
  log?: (msg: string) => void;
}

/** Held-out context of a window [anchor (or `fromTs`), anchor + H): test users, their relevant and never-bought relevant items. */
export function windowContext(events: readonly EventRecord[], snap: Snapshot, horizonDays: number, k: number, endTs?: number, fromTs?: number): EvalContext {
  const rel = purchasesInWindow(events, fromTs ?? snap.anchor, endTs ?? snap.anchor + horizonDays * DAY, snap.itemIndex);
  const ctx: EvalContext = { snap, k, testUsers: [], relevant: [], relevantNew: [], buyers: buyerLists(snap) };
  const mask = new Uint8Array(snap.itemIds.length);
  for (const [uid, s] of rel) {
    const u = snap.userIndex.get(uid);
    if (u === undefined) continue;
    boughtMask(snap, u, mask);
    ctx.testUsers.push(u);
    ctx.relevant.push(s);
    ctx.relevantNew.push(new Set([...s].filter((i) => !mask[i])));
  }
  return ctx;
}

/** Champion lists for the context's users, as snapshot item indices. */
function championLists(m: ChampionModel, events: readonly EventRecord[], ctx: EvalContext, items?: readonly ItemRecord[]) {
  const uids = ctx.testUsers.map((u) => ctx.snap.userIds[u]!);
  const forYou: Int32Array[] = [];
  const discover: Int32Array[] = [];
  const map = (ids: { itemId: string }[]) => Int32Array.from(ids, (r) => ctx.snap.itemIndex.get(r.itemId) ?? -1);
  for (let s = 0; s < uids.length; s += 2000) {
    for (const r of scoreUsers(m, events, uids.slice(s, s + 2000), { k: ctx.k, items })) {
      forYou.push(map(r.forYou));
      discover.push(map(r.discover));
    }
  }
  return { forYou, discover };
}

/** Fewest users with purchases in the validation window for the grid search to run. */
const MIN_VALIDATION_USERS = 50;

/**
 * Validation grid: ranker shapes, epochs and how many horizon-long windows it learns from (each a bag of
 * `ranker.bag` nets); each trained on the windows ending at asOf−H and scored on [asOf−H, asOf).
 */
const GRID: { name: string; ranker: Partial<ChampionParams['ranker']> }[] = [];
for (const windows of [2, 1]) {
  for (const [hidden, epochs] of [[[64, 32], 6], [[32], 4], [[64, 32], 10]] as [number[], number][]) {
    GRID.push({ name: `mlp${hidden.join('-')} e${epochs} w${windows}`, ranker: { hidden, epochs, windows } });
  }
}

/** Validation NDCG differences at or below this are treated as ties (resolved by training cost). */
const NDCG_TIE = 0.001;

/** Relative training cost of a ranker setting: weights × epochs × windows × bagged nets. */
function trainingCost(p: ChampionParams): number {
  const r = p.ranker;
  const sizes = [N_FEATURES, ...r.hidden, 1];
  let w = 0;
  for (let l = 0; l + 1 < sizes.length; l++) w += sizes[l]! * sizes[l + 1]!;
  return w * r.epochs * Math.max(1, r.windows ?? 1) * Math.max(1, r.bag ?? 1);
}

async function tuneOnValidation(
  events: readonly EventRecord[], asOf: number, horizonDays: number, k: number, base: ChampionParams,
  items: readonly ItemRecord[] | undefined, log: (m: string) => void,
): Promise<{ params: ChampionParams; report: EvalReport['validation'] } | null> {
  const h = horizonDays * DAY;
  const valAnchor = asOf - h;
  const snap = championSnapshot(events, valAnchor, base, { items });
  const ctx = windowContext(events.filter((e) => e.ts < asOf), snap, horizonDays, k);
  // Too few validation users make the comparison noise: keep the defaults (the caller records why).
  if (ctx.testUsers.length < MIN_VALIDATION_USERS) return null;
  const src = fitSources(snap, base.sources);
  const sc = makeScratch(src);
  // Candidates and ranker rows depend only on the sources and candidate settings, shared by every grid point.
  const cands = ctx.testUsers.map((u) => userCandidates(src, snap, u, base.candidates, sc, false));
  const discs = ctx.testUsers.map((u) => userCandidates(src, snap, u, base.candidates, sc, true));
  const maxWindows = Math.max(...GRID.map((g) => g.ranker.windows ?? base.ranker.windows ?? 1));
  const data = rankerData(events.filter((e) => e.ts < valAnchor), valAnchor - h, horizonDays, base, items, maxWindows);
  const results: EvalReport['validation']['candidates'] = [];
  const scored: { p: ChampionParams; ndcg: number; name: string; cost: number }[] = [];
  for (const g of GRID) {
    const p: ChampionParams = { ...base, ranker: { ...base.ranker, ...g.ranker } };
    const heads = await trainHeads(data, p);
    const fy: Int32Array[] = [];
    const di: Int32Array[] = [];
    for (let t = 0; t < ctx.testUsers.length; t++) {
      const c = cands[t]!;
      const lf = predictMlp(heads.forYou, c.feats, c.items.length);
      fy.push(Int32Array.from(topK(lf, k), (j) => c.items[j]!));
      const d = discs[t]!;
      const ld = predictMlp(heads.discover, d.feats, d.items.length);
      di.push(Int32Array.from(topK(ld, k), (j) => d.items[j]!));
    }
    const r = evaluateLists(ctx, fy, di);
    const ndcg = r.for_you[`ndcg_at_${k}`]!;
    results.push({ name: g.name, ndcg, recall: r.for_you[`recall_at_${k}`]!, recall_new: r.discover[`recall_new_at_${k}`]! });
    log(`validation ${g.name}: NDCG@${k} ${ndcg.toFixed(4)}`);
    scored.push({ p, ndcg, name: g.name, cost: trainingCost(p) });
  }
  // Highest validation NDCG; among the grid points within NDCG_TIE of it (a tie at this sample size), the
  // cheapest to train, which keeps the champion's training time in budget.
  const top = Math.max(...scored.map((c) => c.ndcg));
  const best = scored.filter((c) => c.ndcg >= top - NDCG_TIE).sort((a, b) => a.cost - b.cost || b.ndcg - a.ndcg)[0]!;
  const chosen = best.ndcg === top ? best.name : `${best.name} (cheapest within ${NDCG_TIE} NDCG of the best)`;
  return { params: best.p, report: { chosen, candidates: results } };
}

function intentBaselines(snap: Snapshot, pop: number[], labels: Float64Array): Record<string, MethodReport> {
  const us = snap.user;
  const rec = pop.map((u) => -(snap.anchor - us.lastBuyTs[u]!) / DAY);
  const freq = pop.map((u) => us.baskets[u]!);
  const d = 5;
  const x = new Float64Array(pop.length * d);
  pop.forEach((u, r) => {
    const recency = (snap.anchor - us.lastBuyTs[u]!) / DAY;
    const tenure = (snap.anchor - us.firstTs[u]!) / DAY;
    const f = us.baskets[u]!;
    x.set([Math.log1p(recency), Math.log1p(f), Math.log1p(Math.max(0, us.monetary[u]!)), tenure, f / (tenure + 1)], r * d);
  });
  const out: Record<string, MethodReport> = {
    recency: { intent: evaluateIntent(rec, labels) },
    frequency: { intent: evaluateIntent(freq, labels) },
  };
  const pos = labels.reduce((s, v) => s + v, 0);
  // 5-fold CV needs both classes in every training fold.
  if (pos >= 5 && pop.length - pos >= 5) {
    out.logistic_rfm_5fold = { intent: evaluateIntent(crossValidatedLogistic(x, labels, pop.length, d, 5), labels) };
    // Not a model: every champion intent feature fitted on the test window itself (5-fold, like the RFM
    // reference above). It bounds what these features can reach here, so a gap to a target reads honestly.
    const all = intentFeatures(snap);
    const row = new Map(all.users.map((u, r) => [u, r] as const));
    const xa = new Float64Array(pop.length * N_INTENT_FEATURES);
    pop.forEach((u, r) => xa.set(all.x.subarray(row.get(u)! * N_INTENT_FEATURES, (row.get(u)! + 1) * N_INTENT_FEATURES), r * N_INTENT_FEATURES));
    out.intent_ceiling_5fold_on_test = {
      intent: evaluateIntent(crossValidatedLogistic(xa, labels, pop.length, N_INTENT_FEATURES, 5), labels),
    };
  }
  return out;
}

/**
 * The evaluation protocol (EVALUATION.md) on any events: clean, split at `splitTs`, baselines, validation-only
 * tuning, champion fit on data before the split, and every figure on the window [splitTs, splitTs + horizon).
 */
export async function evaluateProtocol(events: readonly EventRecord[], opts: ProtocolOptions): Promise<EvalReport> {
  const log = opts.log ?? (() => undefined);
  const k = opts.k;
  const allClean = cleanEvents(events, { excludedItemIds: opts.excludedItemIds ?? [] });
  // Last-basket: the held-out baskets leave what models learn from and become the truth.
  const held = opts.heldOutBaskets;
  const clean = held ? allClean.filter((e) => !inHeldOutBasket(e, held)) : allClean;
  const testEvents = held ? allClean.filter((e) => inHeldOutBasket(e, held)) : allClean;
  const testFrom = opts.testFromTs ?? opts.splitTs;
  const train = clean.filter((e) => e.ts < opts.splitTs);
  const returns = returnEvents(events, { excludedItemIds: opts.excludedItemIds ?? [] }).filter((e) => e.ts < opts.splitTs);
  const hist = historySpan(train, opts.splitTs);
  requireHistory(hist, 'holdout evaluation');
  const fallbacks: string[] = [];
  const snap = buildSnapshot(clean, opts.splitTs, { returns });
  // EVALUATION.md counts 2011-12-09 (split + 30 days) as a test day, so the last calendar day is included.
  const testEnd = opts.testEndTs ?? opts.splitTs + (opts.horizonDays + 1) * DAY;
  const ctx = windowContext(testEvents, snap, opts.horizonDays, k, testEnd, testFrom);
  log(`split: ${train.length} train events, ${snap.userIds.length} users, ${snap.itemIds.length} items, ${ctx.testUsers.length} test users`);
  const baselines: Record<string, MethodReport> = {};
  const listsOf: Record<string, MethodLists> = {};
  const runList = (name: string, scorer: Scorer, seconds = 0): void => {
    const l = listsFromScorer(ctx, scorer);
    listsOf[name] = l;
    baselines[name] = { ...evaluateLists(ctx, l.forYou, l.discover), train_seconds: seconds };
    log(`baseline ${name} done`);
  };
  runList('popularity', popularityScorer(snap));
  runList('personal_count', personalScorer(snap));
  runList('personal_recency', personalScorer(snap, true));
  let t0 = Date.now();
  const csr = purchaseCsr(snap);
  const n = snap.itemIds.length;
  // Big catalogues: the dense baselines cover the most-bought items only (item-block.ts), like the sources.
  const maxDense = (opts.params?.sources ?? DEFAULT_CHAMPION_PARAMS.sources).maxDenseItems ?? MAX_DENSE_ITEMS;
  const block = itemBlock(columnSums(csr.item, null, n), maxDense);
  if (!block.whole) log(`item-item baselines: the ${block.size} most-bought of ${n} items`);
  const sub = restrictRows(csr.rowStart, csr.item, null, block);
  const gram = gramMatrix(sub.rowStart, sub.item, null, block.size);
  const cos = cosineFromGram(gram, block.size);
  runList('item_knn', itemItemScorer(snap, cos, block), (Date.now() - t0) / 1000);
  t0 = Date.now();
  const ease = easeWeights(gram, block.size, 300);
  runList('ease', itemItemScorer(snap, ease, block), (Date.now() - t0) / 1000);

  const pop: number[] = [];
  for (let u = 0; u < snap.userIds.length; u++) if (snap.user.lines[u]! > 0) pop.push(u);
  const buyers = buyersInWindow(testEvents, testFrom, testEnd);
  const labels = Float64Array.from(pop, (u) => (buyers.has(snap.userIds[u]!) ? 1 : 0));
  Object.assign(baselines, intentBaselines(snap, pop, labels));

  const base: ChampionParams = { ...DEFAULT_CHAMPION_PARAMS, ...opts.params };
  t0 = Date.now();
  let params = base;
  let validation: EvalReport['validation'] = { chosen: 'defaults (no tuning)', candidates: [] };
  if (opts.tune !== false) {
    // Validation needs a ranker window and a validation window before the split, plus history before both.
    const t = hist.span >= 3 * opts.horizonDays * DAY
      ? await tuneOnValidation(train, opts.splitTs, opts.horizonDays, k, base, opts.items, log) : null;
    if (t) {
      params = t.params;
      validation = t.report;
    } else {
      validation = { chosen: 'defaults (history too short or validation window too thin to tune on)', candidates: [] };
      fallbacks.push('tuning: skipped (history too short or validation window too thin); default hyper-parameters');
    }
  }
  const tuneSeconds = (Date.now() - t0) / 1000;
  t0 = Date.now();
  const model = await fitChampion(train, { asOf: opts.splitTs, k, horizonDays: opts.horizonDays, params, items: opts.items, returns });
  const trainSeconds = (Date.now() - t0) / 1000;
  log(`champion trained in ${trainSeconds.toFixed(1)} s`);
  fallbacks.push(...(model.params.fallbacks ?? []));
  if (ctx.testUsers.length === 0) fallbacks.push('holdout: no known user bought in the test window; list metrics are 0');
  if (held) fallbacks.push('holdout: last basket per customer; intent AUC here only tells customers with another basket from those without, not a forecast');
  const lists = championLists(model, train, ctx, opts.items);
  const champ = evaluateLists(ctx, lists.forYou, lists.discover);
  const scored = scoreUsers(model, train, pop.map((u) => snap.userIds[u]!), { k, items: opts.items, returns });
  const probs = Float64Array.from(scored, (s) => s.intent);
  const intent = evaluateIntent(probs, labels);

  let selection: SelectionReport | undefined;
  if (opts.select !== false && ctx.testUsers.length > 0) {
    const t1 = Date.now();
    selection = selectLists(model, train, ctx, { items: opts.items, returns }).report;
    log(`list selection (${ctx.testUsers.length} test users, ${((Date.now() - t1) / 1000).toFixed(1)} s): for-you ${selection.for_you.served}, discover ${selection.discover.served}`);
  }

  let byPopularity: PopularityReport | undefined;
  if (opts.byPopularity) {
    // Before: the co-purchase cosine on the dense head only (as it was); after: every item with co-buyers.
    const t1 = Date.now();
    const cosine = remapNeighbours(model.sources.cosine, model.sources.itemIds, snap.itemIndex, n);
    const capped = block.whole ? null : championLists(await fitChampion(train, {
      asOf: opts.splitTs, k, horizonDays: opts.horizonDays, items: opts.items, returns,
      params: { ...params, sources: { ...params.sources, cosineMaxItems: block.size } },
    }), train, ctx, opts.items);
    byPopularity = popularityReport(ctx, {
      popularity: listsOf.popularity!, ease: listsOf.ease!, item_knn_capped: listsOf.item_knn!, item_knn: neighbourLists(ctx, cosine),
      champion: lists, ...(capped ? { champion_capped: capped } : {}),
    }, {
      cosine_capped: liftNeighbours(topNeighbours(cos, block.size, params.sources.neighbours), block, n), cosine,
      ease: remapNeighbours(model.sources.ease, model.sources.itemIds, snap.itemIndex, n),
    });
    log(`by popularity (${capped ? 'with' : 'no'} capped champion refit): ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }

  // Each source alone, from the champion's own fitted state.
  const src = model.sources;
  const idxMap = Int32Array.from(snap.itemIds, (id) => src.itemIds.indexOf(id));
  const sources: Record<string, MethodReport> = {};
  const srcList = (name: string, scorer: Scorer): void => {
    const l = listsFromScorer(ctx, scorer);
    sources[name] = evaluateLists(ctx, l.forYou, l.discover);
  };
  srcList('reorder_decay', personalScorer(snap, true));
  srcList('ease_item_item', (u, out) => {
    const tmp = new Float64Array(src.itemIds.length);
    const items: number[] = [];
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) {
      const j = idxMap[snap.item[p]!]!;
      if (j >= 0) items.push(j);
    }
    accumulateSparse(tmp, src.ease, items, null);
    for (let i = 0; i < out.length; i++) out[i] = idxMap[i]! >= 0 ? tmp[idxMap[i]!]! : 0;
  });
  const trendScore = new Float64Array(n);
  src.trending.forEach((i, r) => {
    const j = snap.itemIndex.get(src.itemIds[i]!);
    if (j !== undefined) trendScore[j] = src.trending.length - r;
  });
  srcList('trending_popularity', (_u, out) => out.set(trendScore));
  // Embedding source (negative sampling, custom-gradient lookups): scored alone; not a ranker input, as it did
  // not pay for its training time on the validation window.
  if (csr.item.length > 0) {
    t0 = Date.now();
    const pairUser = new Int32Array(csr.item.length);
    for (let u = 0; u < snap.userIds.length; u++) pairUser.fill(u, csr.rowStart[u], csr.rowStart[u + 1]);
    const emb = await trainEmbeddings(pairUser, csr.item, snap.userIds.length, n, DEFAULT_EMBEDDING);
    const embSeconds = (Date.now() - t0) / 1000;
    log(`embedding source: ${csr.item.length} positives × ${DEFAULT_EMBEDDING.epochs} epochs in ${embSeconds.toFixed(1)} s`);
    srcList('embedding', (u, out) => embeddingScores(emb, u, out));
    sources.embedding!.train_seconds = embSeconds;
  }

  return {
    ...champ,
    intent: {
      ...intent, reliability: reliabilityTable(probs, labels), scorer: `${model.intent.kind ?? 'mlp'}${(model.intent.windowDecay ?? 1) === 1 ? '' : `@${model.intent.windowDecay}`}`,
      validation_auc: model.intent.validationAuc ?? {},
    },
    train_seconds: trainSeconds,
    tune_seconds: tuneSeconds,
    backend: opts.backend,
    k,
    split_ts: opts.splitTs,
    horizon_days: opts.horizonDays,
    counts: {
      train_events: train.length, users: snap.userIds.length, items: n, test_users: ctx.testUsers.length,
      intent_users: pop.length, intent_positives: labels.reduce((s, v) => s + v, 0),
    },
    baselines,
    sources,
    validation,
    params: model.params,
    fallbacks,
    ...(opts.protocol ? { protocol: opts.protocol } : {}),
    ...(selection ? { selection } : {}),
    ...(byPopularity ? { by_popularity: byPopularity } : {}),
  };
}

export type { ListReport };

/**
 * The evaluation harness (`npm run eval`, the shapes report, the serve-equals-harness test): the production
 * holdout path plus the report-only rows production train does not run. Production code never imports it (ESLint).
 */
import { itemItemScorer, personalEaseScorer, personalScorer, popularityScorer, purchaseCsr } from '../baselines';
import { DEFAULT_CHAMPION_PARAMS, fitChampion } from '../champion';
import { accumulateSparse, cosineFromGram, easeFromInverse, easeInverse, gramMatrix, topNeighbours, type SparseNeighbours } from '../ease';
import { withTailItems } from '../ease-tail';
import { DEFAULT_EMBEDDING, embeddingScores, trainEmbeddings } from '../embedding';
import { championLists, evaluateCut, type CutState, type EvalReport, type MethodReport, type ProtocolOptions } from '../holdout-run';
import { columnSums, itemBlock, liftNeighbours, MAX_DENSE_ITEMS, restrictRows, type ItemBlock } from '../item-block';
import { intentFeatures, N_INTENT_FEATURES } from '../intent-features';
import { evaluateIntent, evaluateLists, listsFromScorer, type Scorer } from '../list-eval';
import { crossValidatedLogistic } from '../logistic';
import { neighbourLists, popularityReport, remapNeighbours, type MethodLists, type PopularityReport } from '../popularity-eval';
import { DAY } from '../snapshot';
import { rebuyShare } from '../sources';
import type { EventRecord } from '../types';

/**
 * Report-only intent rows: the EVALUATION.md logistic on RFM, tenure and rate fitted on the test window itself
 * (5-fold), and the same for every intent feature (a ceiling: what these features carry here, not a model).
 */
function intentReferenceRows({ snap, pop, labels }: CutState): Record<string, MethodReport> {
  const us = snap.user;
  const pos = labels.reduce((s, v) => s + v, 0);
  // 5-fold CV needs both classes in every training fold.
  if (pos < 5 || pop.length - pos < 5) return {};
  const d = 5;
  const x = new Float64Array(pop.length * d);
  pop.forEach((u, r) => {
    const recency = (snap.anchor - us.lastBuyTs[u]!) / DAY;
    const tenure = (snap.anchor - us.firstTs[u]!) / DAY;
    const f = us.baskets[u]!;
    x.set([Math.log1p(recency), Math.log1p(f), Math.log1p(Math.max(0, us.monetary[u]!)), tenure, f / (tenure + 1)], r * d);
  });
  const all = intentFeatures(snap);
  const row = new Map(all.users.map((u, r) => [u, r] as const));
  const xa = new Float64Array(pop.length * N_INTENT_FEATURES);
  pop.forEach((u, r) => xa.set(all.x.subarray(row.get(u)! * N_INTENT_FEATURES, (row.get(u)! + 1) * N_INTENT_FEATURES), r * N_INTENT_FEATURES));
  return {
    logistic_rfm_5fold: { intent: evaluateIntent(crossValidatedLogistic(x, labels, pop.length, d, 5), labels) },
    intent_ceiling_5fold_on_test: { intent: evaluateIntent(crossValidatedLogistic(xa, labels, pop.length, N_INTENT_FEATURES, 5), labels) },
  };
}

/** The reference rows, the lists behind them, and the dense (capped) co-purchase cosine they used. */
interface ReferenceRows {
  rows: Record<string, MethodReport>;
  lists: Record<string, MethodLists>;
  cosine: ReturnType<typeof cosineFromGram>;
  block: ItemBlock;
}

/** EVALUATION.md's EASE: λ = 300 on the binary matrix. */
const EASE_LAMBDA = 300;
/** Links kept per item for the items outside the dense block (as many as the model's sources keep). */
const TAIL_WIDTH = DEFAULT_CHAMPION_PARAMS.sources.neighbours;

/** No item links any other yet: what the tail's links are added to, beside a dense block. */
const noNeighbours = (n: number, width: number): SparseNeighbours =>
  ({ n, width, index: new Int32Array(n * width).fill(-1), weight: new Float32Array(n * width) });

/** The EVALUATION.md list baselines, each from its own scorer over the whole catalogue (EASE λ = 300 on the binary matrix). */
function listReferenceRows({ snap, ctx }: CutState, opts: ProtocolOptions, log: (m: string) => void): ReferenceRows {
  const rows: Record<string, MethodReport> = {};
  const lists: Record<string, MethodLists> = {};
  const runList = (name: string, scorer: Scorer, seconds = 0): void => {
    const l = listsFromScorer(ctx, scorer);
    lists[name] = l;
    rows[name] = { ...evaluateLists(ctx, l.forYou, l.discover), train_seconds: seconds };
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
  const inverse = easeInverse(gram, block.size, EASE_LAMBDA);
  const ease = easeFromInverse(inverse, block.size);
  // Items outside the block join it one by one, exactly (ease-tail.ts), as in the model's EASE source.
  const tail = block.whole ? undefined : withTailItems(noNeighbours(n, TAIL_WIDTH), inverse, block, { rowStart: csr.rowStart, item: csr.item, value: null }, EASE_LAMBDA);
  runList('ease', itemItemScorer(snap, ease, block, tail), (Date.now() - t0) / 1000);
  runList('personal_ease', personalEaseScorer(snap, ease, block, rebuyShare(snap), tail));
  return { rows, lists, cosine: cos, block };
}

/** Each candidate source of the champion scored alone, and the embedding source (not a ranker input: it did not pay for its training time). */
async function sourceRows({ snap, ctx, model }: CutState, log: (m: string) => void): Promise<Record<string, MethodReport>> {
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
  const trendScore = new Float64Array(snap.itemIds.length);
  src.trending.forEach((i, r) => {
    const j = snap.itemIndex.get(src.itemIds[i]!);
    if (j !== undefined) trendScore[j] = src.trending.length - r;
  });
  srcList('trending_popularity', (_u, out) => out.set(trendScore));
  const csr = purchaseCsr(snap);
  if (csr.item.length > 0) {
    const t0 = Date.now();
    const pairUser = new Int32Array(csr.item.length);
    for (let u = 0; u < snap.userIds.length; u++) pairUser.fill(u, csr.rowStart[u], csr.rowStart[u + 1]);
    const emb = await trainEmbeddings(pairUser, csr.item, snap.userIds.length, snap.itemIds.length, DEFAULT_EMBEDDING);
    const embSeconds = (Date.now() - t0) / 1000;
    log(`embedding source: ${csr.item.length} positives × ${DEFAULT_EMBEDDING.epochs} epochs in ${embSeconds.toFixed(1)} s`);
    srcList('embedding', (u, out) => embeddingScores(emb, u, out));
    sources.embedding!.train_seconds = embSeconds;
  }
  return sources;
}

/**
 * The evaluation protocol (EVALUATION.md) on any events: the production holdout path at `splitTs`
 * ({@link evaluateCut}: validation-only tuning, champion fit before the split, selection through the serving code,
 * intent against the RFM logistic), plus the report-only rows production train does not run: the reference list
 * baselines from their own scorers, the 5-fold intent references and ceiling, and each source alone.
 */
export async function evaluateProtocol(events: readonly EventRecord[], opts: HarnessOptions): Promise<EvalReport> {
  const log = opts.log ?? (() => undefined);
  const { report, state } = await evaluateCut(events, opts);
  const reference = listReferenceRows(state, opts, log);
  const { recency, frequency } = report.baselines;
  const baselines: Record<string, MethodReport> = {
    ...reference.rows, ...(recency ? { recency } : {}), ...(frequency ? { frequency } : {}), ...intentReferenceRows(state),
  };
  const byPopularity = opts.byPopularity ? await popularityRows(state, reference, opts, log) : undefined;
  return { ...report, baselines, sources: await sourceRows(state, log), ...(byPopularity ? { by_popularity: byPopularity } : {}) };
}

/** Options of {@link evaluateProtocol}: the production cut's, plus what only the harness reports. */
export interface HarnessOptions extends ProtocolOptions {
  /**
   * report figures by item popularity (popularity-eval.ts); on a catalogue above the dense cap this fits the
   * champion a second time with the co-purchase cosine capped as it used to be (the "before"). Default false.
   */
  byPopularity?: boolean;
}

/** Figures by item popularity bucket: the capped co-purchase cosine (before) against the whole-catalogue one. */
async function popularityRows(state: CutState, ref: ReferenceRows, opts: HarnessOptions, log: (m: string) => void): Promise<PopularityReport> {
  const { snap, ctx, model, train, returns } = state;
  const n = snap.itemIds.length;
  const params = model.params;
  const t1 = Date.now();
  const cosine = remapNeighbours(model.sources.cosine, model.sources.itemIds, snap.itemIndex, n);
  const capped = ref.block.whole ? null : championLists(await fitChampion(train, {
    asOf: opts.splitTs, k: ctx.k, horizonDays: opts.horizonDays, items: opts.items, returns,
    params: { ...params, sources: { ...params.sources, cosineMaxItems: ref.block.size } },
  }), train, ctx, opts.items);
  const report = popularityReport(ctx, {
    popularity: ref.lists.popularity!, ease: ref.lists.ease!, item_knn_capped: ref.lists.item_knn!, item_knn: neighbourLists(ctx, cosine),
    champion: state.lists, ...(capped ? { champion_capped: capped } : {}),
  }, {
    cosine_capped: liftNeighbours(topNeighbours(ref.cosine, ref.block.size, params.sources.neighbours), ref.block, n), cosine,
    ease: remapNeighbours(model.sources.ease, model.sources.itemIds, snap.itemIndex, n),
  });
  log(`by popularity (${capped ? 'with' : 'no'} capped champion refit): ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  return report;
}

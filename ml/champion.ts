import { DEFAULT_CANDIDATES, scratchFor, type Scratch, N_FEATURES, userCandidates, type CandidateParams, type UserCandidates } from './features';
import { historySpan, labelWindow, requireHistory } from './history';
import { DEFAULT_INTENT, fitIntentModel, intentFeatures, N_INTENT_FEATURES, predictIntent, type IntentModel, type IntentParams } from './intent';
import { itemMomentum } from './intent-features';
import { predictMlp, type MlpWeights } from './mlp';
import {
  DEFAULT_RANKER, fixedBlend, mergeRows, MIN_RANKER_POSITIVES, MIN_RANKER_USERS, rankerRows, trainRanker, type RankerParams, type RankerRows,
} from './ranker';
import { buildSnapshot, DAY, DEFAULT_EVENT_WEIGHTS, purchasesInWindow, type EventWeights, type Snapshot } from './snapshot';
import { DEFAULT_SOURCE_PARAMS, fitSources, type FittedSources, type SourceParams } from './sources';
import type { EventRecord, ItemRecord } from './types';
import { buildQueryMapper } from './query-map';
import { monetaryFallback, monetaryUse, withoutPrices, type MonetaryUse } from './monetary';
import { CHAMPION_POLICY, rankerFor, type UserRanker, type ListChoice, type ListPolicy, type RankedCandidates } from './list-policy';

/** Every hyper-parameter of the champion (defaults chosen on the validation window, see tuning.ts). */
export interface ChampionParams {
  weights: EventWeights;
  halfLifeShortDays: number;
  halfLifeLongDays: number;
  sources: SourceParams;
  candidates: CandidateParams;
  ranker: RankerParams;
  intent: IntentParams;
  /** set by {@link fitChampion}: the degraded paths the fit took on short or thin data (empty when none) */
  fallbacks?: string[];
  /** set by {@link fitChampion}: whether spend and price features are used (few priced purchases: left out) */
  monetary?: MonetaryUse;
  /** what each served list is made of, chosen on the shop's holdout (absent: the champion's ranker for both) */
  serve?: ListPolicy;
}

export const DEFAULT_CHAMPION_PARAMS: ChampionParams = {
  weights: DEFAULT_EVENT_WEIGHTS, halfLifeShortDays: 30, halfLifeLongDays: 180, sources: DEFAULT_SOURCE_PARAMS,
  candidates: DEFAULT_CANDIDATES, ranker: DEFAULT_RANKER, intent: DEFAULT_INTENT,
};

/** Why an item is recommended. */
export type Reason = 'bought-before' | 'bought-with' | 'popular-in-category' | 'trending' | 'similar-taste';

/** One recommended item. */
export interface Rec {
  itemId: string;
  score: number;
  reason: Reason;
  reasonItemId: string | null;
}

/** Lists and intent of one user. */
export interface UserScores {
  userId: string;
  forYou: Rec[];
  discover: Rec[];
  intent: number;
}

/** The trained champion: item-level sources, two ranker heads (for-you, discover) and the intent model. */
export interface ChampionModel {
  format: 1;
  asOf: number;
  k: number;
  horizonDays: number;
  params: ChampionParams;
  sources: FittedSources;
  forYou: MlpWeights;
  discover: MlpWeights;
  intent: IntentModel;
  /** item categories (null when the shop has none), for "popular in your category" */
  categories: (string | null)[] | null;
}

/** Options of {@link fitChampion}. */
export interface FitOptions {
  asOf: number;
  k: number;
  horizonDays: number;
  params?: Partial<ChampionParams>;
  items?: readonly ItemRecord[];
  /** returns and cancellations ({@link returnEvents}), an intent signal */
  returns?: readonly EventRecord[];
}


/** What {@link championSnapshot} may narrow or add. */
export interface ChampionSnapshotOptions {
  /** item titles/categories (if any) map search queries onto items */
  items?: readonly ItemRecord[];
  /** fixed item vocabulary (serving) */
  itemIds?: readonly string[];
  /** only these users (a scoring shard) */
  userIds?: readonly string[];
  /** returns and cancellations, counted per user for the intent features */
  returns?: readonly EventRecord[];
}

/** Snapshot with the champion's settings. */
export function championSnapshot(
  events: readonly EventRecord[], anchor: number, p: ChampionParams, o: ChampionSnapshotOptions = {},
): Snapshot {
  let ids = o.itemIds;
  if (!ids) {
    const s = new Set<string>();
    for (const e of events) if (e.ts < anchor && e.itemId !== null) s.add(e.itemId);
    ids = [...s].sort();
  }
  const queryMapper = o.items ? buildQueryMapper(o.items, new Map(ids.map((id, i) => [id, i]))) : null;
  return buildSnapshot(events, anchor, {
    weights: p.weights, halfLifeShortDays: p.halfLifeShortDays, halfLifeLongDays: p.halfLifeLongDays, itemIds: ids,
    userIds: o.userIds, queryMapper, returns: o.returns,
  });
}

/** Both ranker heads, and the fallbacks taken when a window was too thin to learn from. */
export interface RankerHeads {
  forYou: MlpWeights;
  discover: MlpWeights;
  fallbacks: string[];
}

/** Ranker training rows of both heads, one entry per horizon-long window (most recent first). */
export interface RankerData {
  fy: RankerRows[];
  di: RankerRows[];
}

/**
 * Builds the ranker rows of the windows [anchor − w·H, anchor − (w−1)·H), w < `windows` (default
 * `p.ranker.windows`), each from sources fitted before its start. Older windows are added only when they keep a
 * horizon of history before them.
 */
export function rankerData(
  events: readonly EventRecord[], anchor: number, horizonDays: number, p: ChampionParams, items?: readonly ItemRecord[],
  windows = p.ranker.windows ?? 1,
): RankerData {
  const h = horizonDays * DAY;
  const hist = historySpan(events, anchor);
  const fy: RankerRows[] = [];
  const di: RankerRows[] = [];
  for (let w = 0; w < Math.max(1, windows); w++) {
    const a = anchor - w * h;
    if (w > 0 && a - hist.minTs < h) break;
    const snap = championSnapshot(events, a, p, { items });
    if (snap.itemIds.length === 0) break;
    const src = fitSources(snap, p.sources);
    const labels = purchasesInWindow(events, a, a + h, snap.itemIndex);
    fy.push(rankerRows(src, snap, labels, p.candidates, false));
    di.push(rankerRows(src, snap, labels, p.candidates, true));
  }
  return { fy, di };
}

/** Trains both heads on the first `p.ranker.windows` windows of `data` (see {@link rankerData}). */
export async function trainHeads(data: RankerData, p: ChampionParams): Promise<RankerHeads> {
  const fallbacks: string[] = [];
  const nw = Math.max(1, p.ranker.windows ?? 1);
  const fyParts = data.fy.slice(0, nw);
  const diParts = data.di.slice(0, nw);
  if (fyParts.length === 0) {
    fallbacks.push('ranker: no history before the ranker window; fixed blend for both lists');
    return { forYou: fixedBlend(), discover: fixedBlend(), fallbacks };
  }
  const head = async (name: string, parts: RankerRows[], seed: number): Promise<MlpWeights> => {
    const rows = mergeRows(parts);
    if (rows.users >= MIN_RANKER_USERS && rows.positives >= MIN_RANKER_POSITIVES) return trainRanker(rows, p.ranker, seed);
    fallbacks.push(`ranker ${name}: ${rows.users} labelled users / ${rows.positives} positives in its window ` +
      `(needs ≥ ${MIN_RANKER_USERS} and ≥ ${MIN_RANKER_POSITIVES}); fixed blend`);
    return fixedBlend();
  };
  const forYou = await head('for-you', fyParts, 1);
  const discover = await head('discover', diParts, 2);
  return { forYou, discover, fallbacks };
}

/**
 * Trains both ranker heads on the window [anchor, anchor + H) from sources fitted before `anchor`. A head whose
 * window has too few labelled users or positives falls back to the fixed blend (see ranker.ts).
 */
export async function trainRankers(
  events: readonly EventRecord[], anchor: number, horizonDays: number, p: ChampionParams, items?: readonly ItemRecord[],
): Promise<RankerHeads> {
  return trainHeads(rankerData(events, anchor, horizonDays, p, items), p);
}

/**
 * Fits the champion for serving on all (clean) events before `asOf`: the rankers learn from the last
 * horizon-long window before asOf (features from the data before that window; a shorter window when the
 * history is short), then the sources are refitted on everything before asOf. Training never sees events at or
 * after asOf. Throws InsufficientDataError only when there is nothing to learn from (no purchases, < 2 days).
 */
export async function fitChampion(allEvents: readonly EventRecord[], opts: FitOptions): Promise<ChampionModel> {
  const p: ChampionParams = { ...DEFAULT_CHAMPION_PARAMS, ...opts.params };
  const hist = historySpan(allEvents, opts.asOf);
  requireHistory(hist, 'champion');
  const h = opts.horizonDays * DAY;
  const len = labelWindow(hist, h);
  const fallbacks: string[] = [];
  // Few priced purchases: prices are left out here and, through params.monetary, when scoring.
  const monetary = monetaryUse(allEvents.filter((e) => e.ts < opts.asOf));
  const money = monetaryFallback(monetary);
  if (money) fallbacks.push(money);
  const events = monetary.used ? allEvents : withoutPrices(allEvents);
  if (len < h) fallbacks.push(`ranker: ${len / DAY}-day training window (history too short for ${opts.horizonDays})`);
  const heads = await trainRankers(events, opts.asOf - len, len / DAY, p, opts.items);
  fallbacks.push(...heads.fallbacks);
  const snap = championSnapshot(events, opts.asOf, p, { items: opts.items });
  const sources = fitSources(snap, p.sources);
  const intent = await fitIntentModel(events, opts.asOf, opts.horizonDays, p.intent, opts.returns);
  fallbacks.push(...intent.fallbacks);
  // Scoring shards see only their own users, so the items' momentum is fixed here, over everyone.
  intent.model.itemMomentum = itemMomentum(snap);
  let categories: (string | null)[] | null = null;
  if (opts.items?.some((i) => i.category)) {
    const cat = new Map(opts.items.map((i) => [i.itemId, i.category]));
    categories = sources.itemIds.map((id) => cat.get(id) ?? null);
  }
  return {
    format: 1, asOf: opts.asOf, k: opts.k, horizonDays: opts.horizonDays, params: { ...p, fallbacks, monetary }, sources,
    forYou: heads.forYou, discover: heads.discover, intent: intent.model, categories,
  };
}

function reasonFor(
  m: ChampionModel, c: UserCandidates | null, j: number | undefined, i: number, ranker: UserRanker, userCats: Set<string> | null,
  trendRank: Int32Array,
): { reason: Reason; reasonItemId: string | null } {
  if (ranker.hasBought(i)) return { reason: 'bought-before', reasonItemId: null };
  // A ranker candidate keeps the vote its features saw; any other item asks the customer's bought items.
  const v = c && j !== undefined ? (c.ease[j]! > 0 ? c.voter[j]! : -1) : ranker.voterFor(i);
  if (v >= 0) return { reason: 'bought-with', reasonItemId: m.sources.itemIds[v] ?? null };
  const cat = m.categories?.[i];
  if (cat && userCats?.has(cat)) return { reason: 'popular-in-category', reasonItemId: null };
  if (trendRank[i]! < m.sources.trending.length) return { reason: 'trending', reasonItemId: null };
  return { reason: 'similar-taste', reasonItemId: null };
}

/** Options of {@link scoreUsers}. */
export interface ScoreOptions {
  k: number;
  /** history cut-off (default: the model's asOf) */
  asOf?: number;
  items?: readonly ItemRecord[];
  /** these users' returns and cancellations ({@link returnEvents}) */
  returns?: readonly EventRecord[];
}

/** What scoring a set of customers shares: their snapshot, champion candidates and ranker logits. */
export interface Prepared {
  snap: Snapshot;
  sc: Scratch;
  cands: UserCandidates[];
  discs: UserCandidates[];
  /** per snapshot user, their for-you and discover candidates with logits */
  ranked: { fy: RankedCandidates; di: RankedCandidates }[];
}

/** Customers whose candidates go through the ranker together (big enough for the kernel, small in memory). */
const RANK_BLOCK = 128;
const EMPTY_FEATS = new Float32Array(0);

function prepare(m: ChampionModel, events: readonly EventRecord[], userIds: readonly string[], opts: ScoreOptions): Prepared {
  const snap = championSnapshot(events, opts.asOf ?? m.asOf, m.params, {
    items: opts.items, itemIds: m.sources.itemIds, userIds, returns: opts.returns,
  });
  const sc = scratchFor(m.sources);
  const cands: UserCandidates[] = [];
  const discs: UserCandidates[] = [];
  const ranked: Prepared['ranked'] = [];
  const logits = (list: UserCandidates[], head: MlpWeights): Float32Array => {
    const x = new Float32Array(list.reduce((s, c) => s + c.feats.length, 0));
    let off = 0;
    for (const c of list) {
      x.set(c.feats, off);
      off += c.feats.length;
      // Only the logits are needed from here on: the feature rows can go (they are most of a customer's memory).
      c.feats = EMPTY_FEATS;
    }
    return predictMlp(head, x, list.reduce((s, c) => s + c.items.length, 0));
  };
  // Customers go through the ranker a block at a time, so their feature rows never outlive the block.
  for (let b = 0; b < snap.userIds.length; b += RANK_BLOCK) {
    const fyBlock: UserCandidates[] = [];
    const diBlock: UserCandidates[] = [];
    for (let u = b; u < Math.min(snap.userIds.length, b + RANK_BLOCK); u++) {
      fyBlock.push(userCandidates(m.sources, snap, u, m.params.candidates, sc, false));
      diBlock.push(userCandidates(m.sources, snap, u, m.params.candidates, sc, true));
    }
    const lf = logits(fyBlock, m.forYou);
    const ld = logits(diBlock, m.discover);
    let of = 0;
    let od = 0;
    fyBlock.forEach((c, j) => {
      const d = diBlock[j]!;
      ranked.push({ fy: { items: c.items, logits: lf.subarray(of, of + c.items.length) }, di: { items: d.items, logits: ld.subarray(od, od + d.items.length) } });
      of += c.items.length;
      od += d.items.length;
    });
    cands.push(...fyBlock);
    discs.push(...diBlock);
  }
  return { snap, sc, cands, discs, ranked };
}

/** The events a model scores from: without prices when it was fitted without them. */
const scoringEvents = (m: ChampionModel, events: readonly EventRecord[]): readonly EventRecord[] =>
  (m.params.monetary?.used === false ? withoutPrices(events) : events);

/** Purchase probabilities of a snapshot's users (by snapshot index) under an intent model; users with no history are absent. */
function snapshotIntent(intent: IntentModel, snap: Snapshot): Map<number, number> {
  const x = intentFeatures(snap, intent.itemMomentum ?? new Float32Array(0));
  const probs = predictIntent(intent, x.x);
  const out = new Map<number, number>();
  x.users.forEach((u, r) => out.set(u, probs[r]!));
  return out;
}

/**
 * The model serving `policy` (what won on the shop's holdout). The customer panel is only read by `personal_knn`,
 * so it leaves the artefact when neither list uses it: every scoring process decodes the artefact once per model.
 */
export function withPolicy(m: ChampionModel, policy: ListPolicy): ChampionModel {
  const usesPanel = [policy.forYou, policy.discover].some((c) => c.methods.includes('personal_knn'));
  const { panel, ...sources } = m.sources;
  return { ...m, params: { ...m.params, serve: policy }, sources: usesPanel && panel ? { ...sources, panel } : sources };
}

/**
 * Purchase intent of customers under each of `intents` (default: the model's own), computed as
 * {@link scoreUsers} computes it (same snapshot, features and cold-start rate) but without the lists: the
 * holdout compares intent scorers through it.
 */
export function scoreIntent(
  m: ChampionModel, events: readonly EventRecord[], userIds: readonly string[], opts: Omit<ScoreOptions, 'k'> = {}, intents: readonly IntentModel[] = [m.intent],
): Float64Array[] {
  const snap = championSnapshot(scoringEvents(m, events), opts.asOf ?? m.asOf, m.params, {
    items: opts.items, itemIds: m.sources.itemIds, userIds, returns: opts.returns,
  });
  return intents.map((intent) => {
    const of = snapshotIntent(intent, snap);
    return Float64Array.from(userIds, (uid) => {
      const u = snap.userIndex.get(uid);
      return (u === undefined ? undefined : of.get(u)) ?? intent.coldStart ?? 0.05;
    });
  });
}

/**
 * Top `size` items (the model's item indices) of every given choice for each customer, through the same code
 * that fills the served lists: what the holdout comparison ranks is what {@link scoreUsers} would serve.
 */
export function rankLists(
  m: ChampionModel, events: readonly EventRecord[], userIds: readonly string[], choices: readonly ListChoice[], size: number,
  opts: Omit<ScoreOptions, 'k'> = {},
): Map<string, Int32Array[]> {
  const p = prepare(m, scoringEvents(m, events), userIds, { ...opts, k: size });
  const ranker = rankerFor(m.sources);
  const out = new Map<string, Int32Array[]>();
  for (const uid of userIds) {
    const u = p.snap.userIndex.get(uid);
    if (u === undefined) ranker.reset(null, -1, null, null);
    else ranker.reset(p.snap, u, p.ranked[u]!.fy, p.ranked[u]!.di);
    out.set(uid, choices.map((c) => ranker.top(c, size)));
  }
  return out;
}

/** The model's work on a set of customers (snapshot, candidates, ranker logits, intent), before their lists are cut. */
export interface ModelScores {
  prepared: Prepared;
  intentOf: Map<number, number>;
}

/**
 * The model half of {@link scoreUsers}: snapshot, features, ranker logits and intent of these customers. Split
 * from {@link listScores} so a caller can time the model and the top-K apart (the scale bench reports both).
 */
export function modelScores(
  m: ChampionModel, allEvents: readonly EventRecord[], userIds: readonly string[], opts: ScoreOptions,
): ModelScores {
  const prepared = prepare(m, scoringEvents(m, allEvents), userIds, opts);
  return { prepared, intentOf: snapshotIntent(m.intent, prepared.snap) };
}

/**
 * The top-K half of {@link scoreUsers}: each customer's for-you and discover lists under the model's list policy
 * (with reasons) and their intent, from what {@link modelScores} computed for the same `userIds`.
 */
export function listScores(m: ChampionModel, scored: ModelScores, userIds: readonly string[], opts: ScoreOptions): UserScores[] {
  const { prepared: p, intentOf } = scored;
  const { snap, sc } = p;
  const policy = m.params.serve ?? CHAMPION_POLICY;
  const ranker = rankerFor(m.sources);
  const list = (choice: ListChoice, c: UserCandidates | null, rc: RankedCandidates | null, userCats: Set<string> | null): Rec[] => {
    const items = ranker.top(choice, opts.k);
    // Each listed item's place among the candidates (−1: not one), through the scratch's item-sized array.
    const pos = sc.candPos;
    if (c) for (let j = 0; j < c.items.length; j++) pos[c.items[j]!] = j;
    const champion = choice.methods.length === 1 && choice.methods[0] === 'champion';
    try {
      return Array.from(items, (i, r) => {
        const j = pos[i]! >= 0 ? pos[i]! : undefined;
        // The champion's own list keeps its ranker probability (0 for trending top-ups); others score by rank.
        const score = champion ? (j !== undefined && rc ? 1 / (1 + Math.exp(-rc.logits[j]!)) : 0) : (items.length - r) / items.length;
        return { itemId: m.sources.itemIds[i]!, score, ...reasonFor(m, c, j, i, ranker, userCats, sc.trendRank) };
      });
    } finally {
      // Back to all −1 whatever happens: the scratch outlives this call.
      if (c) for (let j = 0; j < c.items.length; j++) pos[c.items[j]!] = -1;
    }
  };
  const out = new Map<string, UserScores>();
  for (let u = 0; u < snap.userIds.length; u++) {
    const c = p.cands[u]!;
    const d = p.discs[u]!;
    let userCats: Set<string> | null = null;
    if (m.categories) {
      userCats = new Set();
      for (const i of c.items) {
        const cat = m.categories[i];
        if (cat) userCats.add(cat);
      }
    }
    const uid = snap.userIds[u]!;
    const { fy, di } = p.ranked[u]!;
    ranker.reset(snap, u, fy, di);
    out.set(uid, {
      userId: uid,
      forYou: list(policy.forYou, policy.forYou.excludeBought ? d : c, policy.forYou.excludeBought ? di : fy, userCats),
      discover: list(policy.discover, d, di, userCats),
      intent: intentOf.get(u) ?? m.intent.coldStart ?? 0.05,
    });
  }
  // Users with no history before asOf: cold start (the trending list, or popularity for baseline lists).
  return userIds.map((uid) => {
    const known = out.get(uid);
    if (known) return known;
    ranker.reset(null, -1, null, null);
    return { userId: uid, forYou: list(policy.forYou, null, null, null), discover: list(policy.discover, null, null, null), intent: m.intent.coldStart ?? 0.05 };
  });
}


/**
 * Scores a shard of users: for-you and discover lists (each item with its reason), filled as the model's
 * list policy says (the champion's ranker, a baseline or a blend: whichever won on the shop's holdout), and
 * purchase intent. `events` need only hold these users' histories; call it shard by shard for big populations.
 */
export function scoreUsers(
  m: ChampionModel, allEvents: readonly EventRecord[], userIds: readonly string[], opts: ScoreOptions,
): UserScores[] {
  return listScores(m, modelScores(m, allEvents, userIds, opts), userIds, opts);
}

export { N_FEATURES, N_INTENT_FEATURES };

import { rankLists, type ChampionModel } from './champion';
import type { EvalContext } from './list-eval';
import { clearsNoise, customerNdcg, gainOf, gainStandardError, type Gains } from './list-gains';
import { candidateChoices, choiceName, type ListChoice, type ListPolicy } from './list-policy';
import { ndcgAtK, recallAtK } from './metrics';
import type { EventRecord, ItemRecord } from './types';

/** Recall, NDCG and hit rate at 10 and at K of one way of filling a list, on the holdout. */
export type ListFigures = Record<string, number>;

/** How one list was chosen: what is served, by what margins, and every figure compared. */
export interface ListSelection {
  /** the served choice's name (see choiceName) and the choice itself */
  served: string;
  choice: ListChoice;
  /** the figure the choice maximises: NDCG@K (discover: over the never-bought relevant items) */
  metric: string;
  served_value: number;
  champion_value: number;
  /** the best single baseline (a method other than the champion, alone) */
  best_baseline: { name: string; value: number };
  /**
   * served − champion and served − best baseline, in the metric. The second is ≥ 0 (a baseline that wins is served
   * instead); the first is < 0 only where the champion's lead over the best baseline was within noise.
   */
  margin_vs_champion: number;
  margin_vs_best_baseline: number;
  /** every choice compared, with its figures */
  compared: Record<string, ListFigures>;
  /** each composite's per-customer gain over each single baseline (the evidence the noise rule read; absent in older reports) */
  gains?: Gains;
  /** composites that scored above the served choice but led the best baseline by no more than one standard error */
  within_noise?: { choice: string; gain: number; se: number }[];
}

/** Every choice's figures on one set of customers, with the composites' gains over the baselines there. */
export interface Comparison {
  figures: Record<string, ListFigures>;
  gains: Gains;
}

/** The comparison of both lists on one holdout. */
export interface SelectionReport {
  k: number;
  test_users: number;
  /** test customers with at least one never-bought item in their truth (what discover figures average over) */
  discover_users: number;
  for_you: ListSelection;
  discover: ListSelection;
  /**
   * Every choice's figures on each half of the test customers (alternate customers in test order): with a single
   * cut, the forward check chooses on one half and judges on the other. Absent on reports pooled over several cuts.
   */
  halves?: Record<'for_you' | 'discover', [Comparison, Comparison]>;
}

/** Figures of lists (parallel to `relevant`; users with an empty truth are skipped) at 10 and at `k`. */
export function listFigures(lists: readonly ArrayLike<number>[], relevant: readonly ReadonlySet<number>[], k: number): ListFigures {
  const ks = [...new Set([10, k])].sort((a, b) => a - b);
  const sums: Record<string, number> = {};
  let n = 0;
  relevant.forEach((rel, t) => {
    if (rel.size === 0) return;
    n++;
    const l = lists[t]!;
    for (const kk of ks) {
      sums[`recall_at_${kk}`] = (sums[`recall_at_${kk}`] ?? 0) + recallAtK(l, rel, kk);
      sums[`ndcg_at_${kk}`] = (sums[`ndcg_at_${kk}`] ?? 0) + ndcgAtK(l, rel, kk);
      let hit = 0;
      for (let r = 0; r < Math.min(kk, l.length); r++) if (rel.has(l[r]!)) hit = 1;
      sums[`hr_at_${kk}`] = (sums[`hr_at_${kk}`] ?? 0) + hit;
    }
  });
  return Object.fromEntries(Object.entries(sums).map(([key, v]) => [key, n > 0 ? v / n : 0]));
}

const isChampion = (c: ListChoice): boolean => c.methods.length === 1 && c.methods[0] === 'champion';
const isBaseline = (c: ListChoice): boolean => c.methods.length === 1 && c.methods[0] !== 'champion';

/**
 * Picks, among `choices` (candidateChoices order) with their `figures`, the one with the best NDCG@K: the champion
 * wins an exact tie, then the single methods, then the blends. With `gains`, a composite (the champion or a blend)
 * is only eligible when its per-customer gain over the best single baseline exceeds one standard error: a lead
 * within noise is as likely to flip on the next window as to hold, so the simpler list is served there.
 * Composites set aside so are named in `within_noise`. (On the grocery shape the champion's and its blends' leads
 * of 0.0005–0.0008 are 1.7–3.3 standard errors over three cuts, yet the newest cut alone still goes the other way
 * by 0.0004: drift between windows that customer sampling does not measure; the forward check reports it as a tie
 * within noise.)
 */
export function chooseList(list: 'for_you' | 'discover', choices: readonly ListChoice[], figures: readonly ListFigures[], k: number, gains?: Gains): ListSelection {
  const metric = `ndcg_at_${k}`;
  const value = (i: number): number => figures[i]![metric] ?? 0;
  const name = (i: number): string => choiceName(choices[i]!, list);
  let champion = choices.findIndex((c) => isChampion(c) && !c.excludeBought);
  if (champion < 0) champion = choices.findIndex(isChampion);
  let baseline = -1;
  choices.forEach((c, i) => {
    if (isBaseline(c) && (baseline < 0 || value(i) > value(baseline))) baseline = i;
  });
  const withinNoise: NonNullable<ListSelection['within_noise']> = [];
  const eligible = (i: number): boolean => {
    if (!gains || baseline < 0 || isBaseline(choices[i]!)) return true;
    const g = gains[name(i)]?.[name(baseline)];
    if (!g || clearsNoise(g)) return true;
    withinNoise.push({ choice: name(i), gain: g.mean, se: gainStandardError(g) });
    return false;
  };
  // The champion first: an exact tie keeps it (then the single methods, then the blends, in catalogue order).
  let best = -1;
  for (let i = 0; i < choices.length; i++) if ((best < 0 || value(i) > value(best)) && eligible(i)) best = i;
  const compared: Record<string, ListFigures> = {};
  choices.forEach((c, i) => {
    compared[name(i)] = figures[i]!;
  });
  const setAside = withinNoise.filter((w) => (compared[w.choice]?.[metric] ?? 0) > value(best));
  return {
    served: name(best), choice: choices[best]!, metric, served_value: value(best), champion_value: value(champion),
    best_baseline: { name: name(baseline), value: value(baseline) },
    margin_vs_champion: value(best) - value(champion), margin_vs_best_baseline: value(best) - value(baseline), compared,
    ...(gains ? { gains } : {}), ...(setAside.length > 0 ? { within_noise: setAside } : {}),
  };
}

/** Each composite choice's per-customer gain over each single baseline, on the customers `keep` selects. */
function gainsOver(choices: readonly ListChoice[], list: 'for_you' | 'discover', perCustomer: readonly Float64Array[], keep?: (t: number) => boolean): Gains {
  const out: Gains = {};
  choices.forEach((a, i) => {
    if (isBaseline(a)) return;
    const row: Gains[string] = {};
    choices.forEach((b, j) => {
      if (isBaseline(b)) row[choiceName(b, list)] = gainOf(perCustomer[i]!, perCustomer[j]!, keep);
    });
    out[choiceName(a, list)] = row;
  });
  return out;
}

/** Users scored per call: bounds the snapshot and candidate memory of one rankLists call. */
const USERS_PER_CALL = 2000;

/**
 * Compares, on the holdout `ctx`, the champion (`model`, fitted before the split on `train`) with every baseline
 * and simple blend, per list, through the serving code path ({@link rankLists}), and picks for each list the
 * choice with the best NDCG@K. A list a baseline beats on this holdout is therefore never the one served.
 */
export function selectLists(
  model: ChampionModel, train: readonly EventRecord[], ctx: EvalContext, opts: { items?: readonly ItemRecord[]; returns?: readonly EventRecord[] } = {},
): { policy: ListPolicy; report: SelectionReport } {
  const k = ctx.k;
  const fyChoices = candidateChoices('for_you');
  const diChoices = candidateChoices('discover');
  const all = [...fyChoices, ...diChoices];
  const toCtx = Int32Array.from(model.sources.itemIds, (id) => ctx.snap.itemIndex.get(id) ?? -1);
  const uids = ctx.testUsers.map((u) => ctx.snap.userIds[u]!);
  const lists: Int32Array[][] = all.map(() => []);
  for (let s = 0; s < uids.length; s += USERS_PER_CALL) {
    const part = uids.slice(s, s + USERS_PER_CALL);
    const ranked = rankLists(model, train, part, all, k, opts);
    for (const uid of part) {
      ranked.get(uid)!.forEach((l, c) => lists[c]!.push(l.map((i) => toCtx[i]!)));
    }
  }
  const fyFigures = fyChoices.map((_, c) => listFigures(lists[c]!, ctx.relevant, k));
  const diFigures = diChoices.map((_, c) => listFigures(lists[fyChoices.length + c]!, ctx.relevantNew, k));
  const perCustomer = (list: 'for_you' | 'discover'): Float64Array[] => (list === 'for_you' ? fyChoices : diChoices)
    .map((_, c) => customerNdcg(lists[(list === 'for_you' ? 0 : fyChoices.length) + c]!, list === 'for_you' ? ctx.relevant : ctx.relevantNew, k));
  const ndcg = { for_you: perCustomer('for_you'), discover: perCustomer('discover') };
  const forYou = chooseList('for_you', fyChoices, fyFigures, k, gainsOver(fyChoices, 'for_you', ndcg.for_you));
  const discover = chooseList('discover', diChoices, diFigures, k, gainsOver(diChoices, 'discover', ndcg.discover));
  const half = <T>(xs: readonly T[], h: number): T[] => xs.filter((_, t) => t % 2 === h);
  const halfComparison = (list: 'for_you' | 'discover', h: number): Comparison => {
    const choices = list === 'for_you' ? fyChoices : diChoices;
    const offset = list === 'for_you' ? 0 : fyChoices.length;
    const relevant = half(list === 'for_you' ? ctx.relevant : ctx.relevantNew, h);
    return {
      figures: Object.fromEntries(choices.map((c, i) => [choiceName(c, list), listFigures(half(lists[offset + i]!, h), relevant, k)])),
      gains: gainsOver(choices, list, ndcg[list], (t) => t % 2 === h),
    };
  };
  return {
    policy: { forYou: forYou.choice, discover: discover.choice },
    report: {
      k, test_users: uids.length, discover_users: ctx.relevantNew.filter((s) => s.size > 0).length, for_you: forYou, discover,
      halves: {
        for_you: [halfComparison('for_you', 0), halfComparison('for_you', 1)],
        discover: [halfComparison('discover', 0), halfComparison('discover', 1)],
      },
    },
  };
}

/** One line per list: what is served and by what margins (the registry's decision, the demo summary). */
export function describeSelection(s: SelectionReport): string {
  const noise = (l: ListSelection): string => (l.within_noise ?? [])
    .map((w) => `; ${w.choice} set aside, its lead over ${l.best_baseline.name} ${w.gain.toFixed(4)} within one standard error ${w.se.toFixed(4)}`).join('');
  const one = (name: string, l: ListSelection): string =>
    `${name} serves ${l.served} (${l.metric} ${l.served_value.toFixed(4)}; champion ${l.champion_value.toFixed(4)}, ` +
    `best baseline ${l.best_baseline.name} ${l.best_baseline.value.toFixed(4)}${noise(l)})`;
  return `${one('for-you', s.for_you)}; ${one('discover', s.discover)}`;
}

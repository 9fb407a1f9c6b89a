import { championSnapshot, rankerData, trainHeads, type ChampionParams } from './champion';
import { makeScratch, N_FEATURES, userCandidates } from './features';
import { evaluateLists } from './list-eval';
import { predictMlp } from './mlp';
import { DAY } from './snapshot';
import { fitSources } from './sources';
import { topK } from './topk';
import type { EventRecord, ItemRecord } from './types';
import { windowContext } from './window-context';

/** The validation search's outcome: the chosen grid point and every candidate's validation figures. */
export interface ValidationReport {
  chosen: string;
  candidates: { name: string; ndcg: number; recall: number; recall_new: number }[];
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

/** Picks the ranker setting on the validation window [asOf − H, asOf) (null: too few validation users to tell). */
export async function tuneOnValidation(
  events: readonly EventRecord[], asOf: number, horizonDays: number, k: number, base: ChampionParams,
  items: readonly ItemRecord[] | undefined, log: (m: string) => void,
): Promise<{ params: ChampionParams; report: ValidationReport } | null> {
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
  const results: ValidationReport['candidates'] = [];
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


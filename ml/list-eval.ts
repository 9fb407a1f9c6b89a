import {
  catalogueCoverage, intraListDiversity, ndcgAtK, recallAtK, reciprocalRank, rocAuc, brierScore,
} from './metrics';
import type { Snapshot } from './snapshot';
import { topK } from './topk';

/** Fills `out` (length = items) with one user's scores; higher is better. */
export type Scorer = (user: number, out: Float64Array) => void;

/** Everything the list metrics need about the held-out window, built once per evaluation. */
export interface EvalContext {
  snap: Snapshot;
  k: number;
  /** snapshot user indices of the test users */
  testUsers: number[];
  relevant: Set<number>[];
  /** relevant items the user had never bought before the split */
  relevantNew: Set<number>[];
  /** per item, ascending snapshot user indices of its buyers (for diversity) */
  buyers: Int32Array[];
}

/** The for-you and discover figures of one method; keys carry K (recall_at_20 …). */
export interface ListReport {
  for_you: Record<string, number>;
  discover: Record<string, number>;
}

/** Items the user purchased before the anchor, as a mask over the snapshot's items. */
export function boughtMask(snap: Snapshot, u: number, mask?: Uint8Array): Uint8Array {
  const m = mask ?? new Uint8Array(snap.itemIds.length);
  if (mask) m.fill(0);
  for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) if (snap.lines[p]! > 0) m[snap.item[p]!] = 1;
  return m;
}

/** Per-item ascending lists of the users who purchased it. */
export function buyerLists(snap: Snapshot): Int32Array[] {
  const lists: number[][] = snap.itemIds.map(() => []);
  for (let u = 0; u < snap.userIds.length; u++) {
    for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) if (snap.lines[p]! > 0) lists[snap.item[p]!]!.push(u);
  }
  return lists.map((l) => Int32Array.from(l));
}

/** Top-K for-you and discover lists of every test user from a scorer. */
export function listsFromScorer(ctx: EvalContext, scorer: Scorer): { forYou: Int32Array[]; discover: Int32Array[] } {
  const n = ctx.snap.itemIds.length;
  const scores = new Float64Array(n);
  const mask = new Uint8Array(n);
  const forYou: Int32Array[] = [];
  const discover: Int32Array[] = [];
  for (const u of ctx.testUsers) {
    scores.fill(0);
    scorer(u, scores);
    forYou.push(topK(scores, ctx.k));
    discover.push(topK(scores, ctx.k, boughtMask(ctx.snap, u, mask)));
  }
  return { forYou, discover };
}

/** Recall, NDCG, MRR, coverage and diversity of given lists (parallel to ctx.testUsers). */
export function evaluateLists(ctx: EvalContext, forYou: Int32Array[], discover: Int32Array[]): ListReport {
  const k = ctx.k;
  let r = 0;
  let nd = 0;
  let mrr = 0;
  let rn = 0;
  let ndn = 0;
  let nNew = 0;
  ctx.testUsers.forEach((_, t) => {
    const rel = ctx.relevant[t]!;
    const l = forYou[t]!;
    r += recallAtK(l, rel, k);
    nd += ndcgAtK(l, rel, k);
    mrr += reciprocalRank(l, rel);
    const relNew = ctx.relevantNew[t]!;
    if (relNew.size > 0) {
      const d = discover[t]!;
      rn += recallAtK(d, relNew, k);
      ndn += ndcgAtK(d, relNew, k);
      nNew++;
    }
  });
  const nU = Math.max(1, ctx.testUsers.length);
  const nItems = ctx.snap.itemIds.length;
  return {
    for_you: {
      [`recall_at_${k}`]: r / nU,
      [`ndcg_at_${k}`]: nd / nU,
      mrr: mrr / nU,
      coverage: catalogueCoverage(forYou, nItems),
      diversity: intraListDiversity(forYou, ctx.buyers),
    },
    discover: {
      [`recall_new_at_${k}`]: rn / Math.max(1, nNew),
      [`ndcg_new_at_${k}`]: ndn / Math.max(1, nNew),
      coverage: catalogueCoverage(discover, nItems),
      diversity: intraListDiversity(discover, ctx.buyers),
    },
  };
}

/** Intent figures: AUC and Brier score. */
export function evaluateIntent(probs: ArrayLike<number>, labels: ArrayLike<number>): { auc: number; brier: number } {
  return { auc: rocAuc(probs, labels), brier: brierScore(probs, labels) };
}

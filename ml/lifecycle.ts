import { InsufficientDataError } from './errors';
import { DEFAULT_INTENT, fitIntentModel, predictIntent } from './intent';
import { intentFeatures } from './intent-features';
import { DAY, type Snapshot } from './snapshot';
import type { EventRecord } from './types';

/** Where a customer stands; `at_risk` comes with P(no purchase in the next CHURN_HORIZON_DAYS). */
export const LIFECYCLE_STAGES = ['new', 'active', 'at_risk', 'lapsed'] as const;
export type LifecycleStage = (typeof LIFECYCLE_STAGES)[number];

/** The horizon of the churn probability: the seed's "no purchase in the next 90 days". */
export const CHURN_HORIZON_DAYS = 90;

/** The stated rules that turn behaviour and the churn probability into a stage. */
export interface LifecycleRules {
  /** first purchase (or, without one, first visit) at most this many days ago: new */
  newDays: number;
  /** last purchase (or visit) more than this many days ago: lapsed */
  lapsedDays: number;
  /** otherwise, P(no purchase in 90 days) at or above this: at risk; below: active */
  atRiskProbability: number;
}

export const DEFAULT_LIFECYCLE_RULES: LifecycleRules = { newDays: 30, lapsedDays: 180, atRiskProbability: 0.5 };

/** The stage of one customer under the rules (new first, then lapsed, then the churn probability). */
export function lifecycleStage(daysSinceFirst: number, daysSinceLast: number, pNoPurchase: number, rules: LifecycleRules): LifecycleStage {
  if (daysSinceFirst <= rules.newDays) return 'new';
  if (daysSinceLast > rules.lapsedDays) return 'lapsed';
  return pNoPurchase >= rules.atRiskProbability ? 'at_risk' : 'active';
}

/** One customer's lifecycle row. Times are epoch ms (null when the customer never bought). */
export interface CustomerLifecycle {
  userId: string;
  stage: LifecycleStage;
  pNoPurchase90d: number;
  /** what the customer spends in 90 days at their own pace (spend over their buying span, at least 90 days) */
  expectedSpend90d: number;
  /** expected spend lost: P(no purchase) × expected spend */
  valueAtRisk: number;
  recencyDays: number;
  frequency: number;
  monetary: number;
  firstPurchaseAt: number | null;
  lastPurchaseAt: number | null;
  /** 1 = the at-risk customer with the most value at risk; null for every other stage */
  churnRank: number | null;
}

/** The fitted churn model's probabilities for every user of a snapshot, and how it was fitted. */
export interface ChurnScores {
  pNoPurchase: Float64Array;
  method: string;
  fallbacks: string[];
}

/**
 * P(no purchase in the next 90 days) for every user of `snap` (built at `snap.anchor` from the same events):
 * the intent model's machinery with a 90-day horizon (stacked labelled windows before the anchor, scorer picked
 * on the latest, Platt-calibrated), complemented. With too little history for any window it falls back to a
 * Poisson rate from frequency and tenure, and says so.
 */
export async function churnScores(events: readonly EventRecord[], snap: Snapshot, returns: readonly EventRecord[] = []): Promise<ChurnScores> {
  const us = snap.user;
  const n = snap.userIds.length;
  try {
    const fit = await fitIntentModel(events, snap.anchor, CHURN_HORIZON_DAYS, DEFAULT_INTENT, returns);
    const { users, x } = intentFeatures(snap);
    const p = predictIntent(fit.model, x);
    const out = new Float64Array(n).fill(1 - (fit.model.coldStart ?? 0.5));
    users.forEach((u, r) => (out[u] = 1 - p[r]!));
    return { pNoPurchase: out, method: `intent-${fit.model.kind ?? 'mlp'}@${CHURN_HORIZON_DAYS}d`, fallbacks: fit.fallbacks };
  } catch (err) {
    if (!(err instanceof InsufficientDataError)) throw err;
    const out = new Float64Array(n);
    for (let u = 0; u < n; u++) {
      const tenure = (snap.anchor - us.firstTs[u]!) / DAY;
      out[u] = Math.exp(-CHURN_HORIZON_DAYS * ((us.baskets[u]! + 0.5) / (tenure + 30)));
    }
    return { pNoPurchase: out, method: 'poisson-rate', fallbacks: [`churn: ${err.message}; P(no purchase) = exp(−90 × (orders + ½) / (tenure + 30))`] };
  }
}

/** Lifecycle rows for every user of the snapshot, with churn ranks over the at-risk ones by value at risk. */
export function lifecycleTable(snap: Snapshot, pNoPurchase: ArrayLike<number>, rules: LifecycleRules = DEFAULT_LIFECYCLE_RULES): CustomerLifecycle[] {
  const us = snap.user;
  const rows: CustomerLifecycle[] = snap.userIds.map((userId, u) => {
    const bought = us.lastBuyTs[u]! > -Infinity;
    const first = bought ? us.firstBuyTs[u]! : us.firstTs[u]!;
    const last = bought ? us.lastBuyTs[u]! : us.lastTs[u]!;
    const daysSinceFirst = (snap.anchor - first) / DAY;
    const recencyDays = (snap.anchor - last) / DAY;
    const monetary = Math.max(0, us.monetary[u]!);
    const expectedSpend90d = bought ? (monetary * 90) / Math.max(90, daysSinceFirst) : 0;
    const p = pNoPurchase[u]!;
    return {
      userId, stage: lifecycleStage(daysSinceFirst, recencyDays, p, rules), pNoPurchase90d: p, expectedSpend90d,
      valueAtRisk: p * expectedSpend90d, recencyDays, frequency: us.baskets[u]!, monetary,
      firstPurchaseAt: bought ? us.firstBuyTs[u]! : null, lastPurchaseAt: bought ? last : null, churnRank: null,
    };
  });
  churnWarnings(rows).forEach((r, i) => (r.churnRank = i + 1));
  return rows;
}

/** The churn-warning list: at-risk customers by value at risk (expected spend lost), ties by customer id. */
export function churnWarnings(rows: readonly CustomerLifecycle[]): CustomerLifecycle[] {
  return rows.filter((r) => r.stage === 'at_risk').sort((a, b) => b.valueAtRisk - a.valueAtRisk || (a.userId < b.userId ? -1 : 1));
}

import { ndcgAtK } from './metrics';

/**
 * One choice's per-customer gain in NDCG@K over another on the same holdout customers: how many customers,
 * the mean gain and its mean square (enough to pool cuts or halves exactly and to give the mean's standard error).
 */
export interface Gain {
  users: number;
  mean: number;
  mean_sq: number;
}

/** Composite choice (the champion, a blend) → single baseline → the composite's gain over it. */
export type Gains = Record<string, Record<string, Gain>>;

/** NDCG@K of each list against its customer's truth; NaN where the truth is empty (that customer is not measured). */
export function customerNdcg(lists: readonly ArrayLike<number>[], relevant: readonly ReadonlySet<number>[], k: number): Float64Array {
  return Float64Array.from(relevant, (rel, t) => (rel.size === 0 ? NaN : ndcgAtK(lists[t]!, rel, k)));
}

/** The gain of `a` over `b` (parallel per-customer figures) over the customers `keep` selects (all by default). */
export function gainOf(a: Float64Array, b: Float64Array, keep: (t: number) => boolean = () => true): Gain {
  let users = 0;
  let s = 0;
  let s2 = 0;
  for (let t = 0; t < a.length; t++) {
    if (!keep(t) || Number.isNaN(a[t]!)) continue;
    const d = a[t]! - b[t]!;
    users++;
    s += d;
    s2 += d * d;
  }
  return { users, mean: users > 0 ? s / users : 0, mean_sq: users > 0 ? s2 / users : 0 };
}

/** Gains measured on disjoint customers (cuts, halves) pooled into one: customer-weighted, so exact. */
export function poolGains(parts: readonly (Gains | undefined)[]): Gains {
  const out: Gains = {};
  for (const part of parts) {
    for (const [a, row] of Object.entries(part ?? {})) {
      const into = (out[a] ??= {});
      for (const [b, g] of Object.entries(row)) {
        const acc = (into[b] ??= { users: 0, mean: 0, mean_sq: 0 });
        const users = acc.users + g.users;
        if (users === 0) continue;
        acc.mean = (acc.mean * acc.users + g.mean * g.users) / users;
        acc.mean_sq = (acc.mean_sq * acc.users + g.mean_sq * g.users) / users;
        acc.users = users;
      }
    }
  }
  return out;
}

/** Standard error of a gain's mean (infinite below two customers: one customer is no evidence). */
export function gainStandardError(g: Gain): number {
  if (g.users < 2) return Infinity;
  return Math.sqrt(Math.max(0, g.mean_sq - g.mean * g.mean) / (g.users - 1));
}

/** Whether a gain is clear of noise: its mean exceeds one standard error (the one-standard-error rule). */
export const clearsNoise = (g: Gain): boolean => g.mean > gainStandardError(g);

import type { ForwardCheck } from './forward-report';
import type { CutIntent, IntentChoice } from './intent-choice';
import { countTestUsers, MIN_HOLDOUT_USERS, type HoldoutPlan, type HoldoutProtocol } from './holdout';
import { DAY } from './snapshot';
import type { EventRecord } from './types';

/** One cut of a rolling-origin holdout: models learn from events before `splitTs`; the truth is [testFromTs, testEndTs). */
export interface HoldoutCut {
  splitTs: number;
  testFromTs: number;
  testEndTs: number;
  /** customers with a purchase before the split who bought a known item in the test window */
  testUsers: number;
  /** last-basket: each held-out customer's basket key (then the only cut) */
  heldOutBaskets?: ReadonlyMap<string, string>;
  /** the split as an ISO time, or "each customer's last basket" */
  label: string;
}

/** The cuts a holdout is evaluated at, newest first, and why there are that many. */
export interface CutPlan {
  protocol: HoldoutProtocol;
  requested: number;
  cuts: HoldoutCut[];
  note: string;
}

/** Options of {@link planCuts}. */
export interface CutOptions {
  /** fewest test customers an older cut needs (default: MIN_HOLDOUT_USERS, or what the newest cut has when that is fewer) */
  minUsers?: number;
  /**
   * clean events above which only this many cuts run (each cut refits the champion; on a big shop the older
   * cuts would multiply the train time). Absent: no limit.
   */
  bigShop?: { events: number; cuts: number };
}

const iso = (ts: number): string => new Date(ts).toISOString();

/**
 * Rolling origin: the holdout `plan` (newest cut) and up to `requested − 1` older cuts, each one test window
 * (the plan's length) before the previous, so the windows do not overlap. An older cut is kept only while at
 * least two horizons of history lie before its split (what the champion needs for a full-length ranker and
 * intent window: a cut with less would measure a degraded fit that the refit on all data does not have) and its
 * window holds enough test customers. The last-basket protocol holds out each customer's last basket once: it
 * has a single cut.
 */
export function planCuts(events: readonly EventRecord[], horizonDays: number, plan: HoldoutPlan, requested: number, o: CutOptions = {}): CutPlan {
  const first: HoldoutCut = {
    splitTs: plan.splitTs, testFromTs: plan.testFromTs, testEndTs: plan.testEndTs, testUsers: plan.testUsers,
    ...(plan.heldOutBaskets ? { heldOutBaskets: plan.heldOutBaskets } : {}),
    label: plan.protocol === 'last-basket' ? 'each customer\'s last basket' : iso(plan.splitTs),
  };
  const want = Math.max(1, Math.floor(requested));
  if (plan.protocol === 'last-basket') {
    return { protocol: plan.protocol, requested: want, cuts: [first], note: 'last-basket holdout: a single cut (each customer\'s last basket is held out once)' };
  }
  let limit = want;
  let bigNote = '';
  if (o.bigShop && events.length > o.bigShop.events && want > o.bigShop.cuts) {
    limit = Math.max(1, o.bigShop.cuts);
    bigNote = `; ${events.length} events (> ${o.bigShop.events}): ${limit} of the ${want} cuts run, to keep train time in bounds`;
  }
  let minTs = Infinity;
  for (const e of events) if (e.ts < minTs) minTs = e.ts;
  const step = plan.testDays * DAY;
  const needHistory = 2 * horizonDays * DAY;
  const minUsers = o.minUsers ?? Math.min(MIN_HOLDOUT_USERS, plan.testUsers);
  const cuts = [first];
  let stop = '';
  for (let c = 1; c < limit; c++) {
    const split = plan.splitTs - c * step;
    if (split - minTs < needHistory) {
      stop = `; the cut at ${iso(split)} would have ${Math.max(0, Math.floor((split - minTs) / DAY))} days of history (needs ${2 * horizonDays})`;
      break;
    }
    const testUsers = countTestUsers(events, split, split, split + step);
    if (testUsers < minUsers) {
      stop = `; the cut at ${iso(split)} holds ${testUsers} test customers (needs ${minUsers})`;
      break;
    }
    cuts.push({ splitTs: split, testFromTs: split, testEndTs: split + step, testUsers, label: iso(split) });
  }
  const head = cuts.length === want
    ? `${cuts.length} cut${cuts.length === 1 ? '' : 's'}`
    : `${cuts.length} of ${want} requested cuts`;
  return {
    protocol: plan.protocol, requested: want, cuts,
    note: `${head}, each followed by ${plan.testDays} test days (splits ${cuts.map((c) => c.label.slice(0, 10)).join(', ')})${bigNote}${stop}`,
  };
}

/** One cut of a rolling-origin holdout as the report keeps it. */
export interface CutSummary {
  split: string;
  test_from: string | null;
  test_end: string | null;
  test_users: number;
  train_seconds: number;
  /** what this cut alone measured for what is served and for the champion (NDCG@K; discover over never-bought items) */
  for_you: { served: string; served_value: number; champion_value: number } | null;
  discover: { served: string; served_value: number; champion_value: number } | null;
  intent: CutIntent;
}

/** Every cut, the plan's note and the intent choice pooled over the cuts. */
export interface RollingSummary {
  note: string;
  requested: number;
  cut_points: string[];
  cuts: CutSummary[];
  intent: IntentChoice;
  /** the choices made on the older cuts, judged on the newest (one cut: across halves of its customers); see forward-check.ts */
  forward: ForwardCheck | null;
}

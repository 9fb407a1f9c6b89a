import { poolGains, type Gains } from './list-gains';
import { candidateChoices, choiceName } from './list-policy';
import { chooseList, type ListFigures, type ListSelection, type SelectionReport } from './list-selection';
import { spreadOf, type Spread } from './spread';

/** What each cut alone measured and would have served (the pooled choice is the one served). */
export interface CutSelection {
  split: string;
  test_users: number;
  discover_users: number;
  for_you: { served: string; served_value: number };
  discover: { served: string; served_value: number };
}

/** A selection made on figures pooled over the cuts of a rolling-origin holdout, with their spread. */
export interface PooledSelectionReport extends SelectionReport {
  cuts: number;
  per_cut: CutSelection[];
  /** per list, per choice compared: the selection metric (NDCG@K) over the cuts */
  spread: { for_you: Record<string, Spread>; discover: Record<string, Spread> };
}

/** Each figure of each choice averaged over the cuts, weighted by the customers it was measured on. */
function pooledFigures(reports: readonly SelectionReport[], list: 'for_you' | 'discover'): Record<string, ListFigures> {
  const weights = reports.map((r) => (list === 'for_you' ? r.test_users : r.discover_users));
  const names = new Set(reports.flatMap((r) => Object.keys(r[list].compared)));
  const out: Record<string, ListFigures> = {};
  for (const name of names) {
    const keys = new Set(reports.flatMap((r) => Object.keys(r[list].compared[name] ?? {})));
    const fig: ListFigures = {};
    for (const key of keys) fig[key] = spreadOf(reports.map((r) => r[list].compared[name]?.[key] ?? 0), weights).mean;
    out[name] = fig;
  }
  return out;
}

/**
 * The choice `figures` (every choice's, by name) would serve, with its margins: what both the pooling and the
 * forward check pick with. `gains` (when measured) holds composites to the noise rule of {@link chooseList}.
 */
export function chooseOnFigures(list: 'for_you' | 'discover', figures: Record<string, ListFigures>, k: number, gains?: Gains): ListSelection {
  const choices = candidateChoices(list);
  return chooseList(list, choices, choices.map((c) => figures[choiceName(c, list)] ?? {}), k, gains);
}

/**
 * Pools the per-cut comparisons of a rolling-origin holdout (newest cut first) and picks each list's choice on
 * the pooled figures (customer-weighted means over the cuts, and the composites' gains pooled over every cut's
 * customers for the noise rule), so one noisy window cannot flip the choice. The
 * report also keeps what each cut alone would have served and every choice's spread over the cuts.
 */
export function poolSelections(reports: readonly SelectionReport[], splits: readonly string[]): PooledSelectionReport {
  if (reports.length === 0) throw new Error('poolSelections: no cut to pool');
  const k = reports[0]!.k;
  const pick = (list: 'for_you' | 'discover') => {
    const pooled = pooledFigures(reports, list);
    // Gains pool exactly only when every cut measured them (older registry reports did not).
    const gains = reports.every((r) => r[list].gains) ? poolGains(reports.map((r) => r[list].gains)) : undefined;
    const sel = chooseOnFigures(list, pooled, k, gains);
    const metric = sel.metric;
    const weights = reports.map((r) => (list === 'for_you' ? r.test_users : r.discover_users));
    const spread: Record<string, Spread> = {};
    for (const name of Object.keys(pooled)) spread[name] = spreadOf(reports.map((r) => r[list].compared[name]?.[metric] ?? 0), weights);
    return { sel, spread };
  };
  const fy = pick('for_you');
  const di = pick('discover');
  return {
    k,
    test_users: reports.reduce((s, r) => s + r.test_users, 0),
    discover_users: reports.reduce((s, r) => s + r.discover_users, 0),
    for_you: fy.sel,
    discover: di.sel,
    cuts: reports.length,
    per_cut: reports.map((r, i) => ({
      split: splits[i] ?? '', test_users: r.test_users, discover_users: r.discover_users,
      for_you: { served: r.for_you.served, served_value: r.for_you.served_value },
      discover: { served: r.discover.served, served_value: r.discover.served_value },
    })),
    spread: { for_you: fy.spread, discover: di.spread },
    // One cut pools to itself: its customer halves (the forward check's) still describe it.
    ...(reports.length === 1 && reports[0]!.halves ? { halves: reports[0]!.halves } : {}),
  };
}

/** Per list, what is served and the spread over the cuts of its NDCG@K, the champion's and the best baseline's. */
export function servedSpread(s: PooledSelectionReport): Record<'forYou' | 'discover', { served: string; served_spread: Spread | null; champion: Spread | null; best_baseline: { name: string; spread: Spread | null } }> {
  const one = (list: 'for_you' | 'discover') => ({
    served: s[list].served,
    served_spread: s.spread[list][s[list].served] ?? null,
    champion: s.spread[list].champion ?? null,
    best_baseline: { name: s[list].best_baseline.name, spread: s.spread[list][s[list].best_baseline.name] ?? null },
  });
  return { forYou: one('for_you'), discover: one('discover') };
}

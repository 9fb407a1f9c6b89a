import { forwardCheck } from '../../../ml/forward-check';
import { cutDay, forwardBasis, forwardWarnings } from '../../../ml/forward-report';
import type { CutIntent } from '../../../ml/intent-choice';
import { candidateChoices, choiceName } from '../../../ml/list-policy';
import { chooseList, type SelectionReport } from '../../../ml/list-selection';
import { poolSelections } from '../../../ml/pooled-selection';

const K = 20;
const SPLITS = ['2024-06-01', '2024-05-02', '2024-04-02'];
const WINDOWS = [{ users: 100, positives: 30 }];

/** One cut's comparison: every choice scores `rest` except those named in `ndcg` (NDCG@K). */
function cut(users: number, ndcg: Record<string, number>, rest = 0.1): SelectionReport {
  const make = (list: 'for_you' | 'discover') => {
    const choices = candidateChoices(list);
    const figures = choices.map((c) => {
      const v = ndcg[choiceName(c, list)] ?? rest;
      return { [`ndcg_at_${K}`]: v, [`recall_at_${K}`]: v + 0.05 };
    });
    return chooseList(list, choices, figures, K);
  };
  return { k: K, test_users: users, discover_users: users, for_you: make('for_you'), discover: make('discover') };
}

const intentCut = (model: number, rfm: number | null, positives = 30, users = 100): CutIntent => ({ model_auc: model, rfm_logistic_auc: rfm, users, positives });

describe('forward check: choices made on the older cuts, judged on the newest', () => {
  it('judges what the older cuts would serve on the newest cut, against that cut\'s best baseline in hindsight', () => {
    // The older cuts favour the champion; on the newest, personal counts win: the forward check says so.
    const cuts = [
      cut(200, { champion: 0.25, personal_count: 0.3 }),
      cut(400, { champion: 0.35, personal_count: 0.3 }),
      cut(400, { champion: 0.36, personal_count: 0.31 }),
    ];
    const f = forwardCheck(cuts, [intentCut(0.7, 0.68), intentCut(0.72, 0.7), intentCut(0.71, 0.69)], SPLITS, { kind: 'logistic', windows: WINDOWS })!;
    expect(f.judged_on).toBe('2024-06-01');
    expect(f.chosen_on).toEqual(['2024-05-02', '2024-04-02']);
    expect(f.for_you).toMatchObject({ served: 'champion', metric: `ndcg_at_${K}`, best_baseline: { name: 'personal_count', value: 0.3 }, holds: false });
    expect(f.for_you!.value).toBeCloseTo(0.25, 12);
    expect(f.for_you!.margin_vs_best_baseline).toBeCloseTo(-0.05, 12);
    expect(f.for_you!.figures[`recall_at_${K}`]).toBeCloseTo(0.3, 12);
    // Production's pooled choice over all three cuts is still the champion, and on the pooled figures it
    // is ahead: only the forward check shows the newest window going the other way.
    expect(poolSelections(cuts, SPLITS).for_you).toMatchObject({ served: 'champion' });
    expect(poolSelections(cuts, SPLITS).for_you.margin_vs_best_baseline).toBeGreaterThan(0);
    expect(f.intent).toEqual({ served: 'model', auc: 0.7, rfm_logistic_auc: 0.68, holds: true });
    // What did not hold becomes a warning in the train result (both lists here; intent held).
    expect(forwardWarnings(f)).toEqual([
      'forward check (chosen on 2 older cuts, judged on the newest (2024-06-01), which no choice saw): for-you champion: ndcg_at_20 0.2500 vs the best baseline personal_count 0.3000, did not hold',
      'forward check (chosen on 2 older cuts, judged on the newest (2024-06-01), which no choice saw): discover champion: ndcg_at_20 0.2500 vs the best baseline personal_count 0.3000, did not hold',
    ]);
  });

  it('tells a loss within one standard error of the per-customer gain (a tie within noise) from a measured one', () => {
    // The older cuts choose the champion; on the newest it is 0.0004 below personal counts.
    const older = [cut(400, { champion: 0.35, personal_count: 0.3 }), cut(400, { champion: 0.36, personal_count: 0.31 })];
    const newest = (sd: number): SelectionReport => {
      const r = cut(2500, { champion: 0.2996, personal_count: 0.3 });
      const g = { users: 2500, mean: -0.0004, mean_sq: sd * sd + 0.0004 ** 2 };
      r.for_you.gains = { champion: { personal_count: g } };
      return r;
    };
    const judge = (sd: number) => forwardCheck([newest(sd), ...older], [intentCut(0.7, 0.6), intentCut(0.7, 0.6), intentCut(0.7, 0.6)], SPLITS, { kind: 'mlp', windows: WINDOWS })!;
    // Per-customer sd 0.03 over 2,500 customers: standard error 0.0006 ≥ the 0.0004 lost.
    const tie = judge(0.03);
    expect(tie.for_you).toMatchObject({ served: 'champion', holds: false, within_noise: true });
    expect(tie.for_you!.margin_se).toBeCloseTo(0.03 / Math.sqrt(2499), 9);
    expect(forwardWarnings(tie)[0]).toMatch(/for-you champion: ndcg_at_20 0\.2996 vs the best baseline personal_count 0\.3000 \(within one standard error, 0\.0006: a tie within noise\), did not hold$/);
    // sd 0.01: standard error 0.0002 < 0.0004: a measured loss.
    expect(judge(0.01).for_you).toMatchObject({ holds: false, within_noise: false });
    // Discover measured no gains here: its standard error is unknown, and a loss stays a loss.
    expect(tie.discover).toMatchObject({ holds: false, within_noise: false, margin_se: null });
  });

  it('holds when the choice of the older cuts is still at least the best baseline on the newest', () => {
    const cuts = [cut(100, { champion: 0.4, personal_count: 0.3 }), cut(100, { champion: 0.35, personal_count: 0.3 })];
    const f = forwardCheck(cuts, [intentCut(0.7, 0.72), intentCut(0.7, 0.75)], SPLITS.slice(0, 2), { kind: 'mlp', windows: WINDOWS })!;
    expect(f.for_you).toMatchObject({ served: 'champion', holds: true });
    expect(f.for_you!.margin_vs_best_baseline).toBeCloseTo(0.1, 12);
    // The older cut preferred the RFM logistic, and on the newest it is still ahead of the learned scorer.
    expect(f.intent).toEqual({ served: 'rfm_logistic', auc: 0.72, rfm_logistic_auc: 0.72, holds: true });
    expect(forwardWarnings(f)).toEqual([]);
  });

  it('warns when the intent scorer chosen on the older cuts falls below the RFM logistic on the newest', () => {
    const f = forwardCheck([cut(100, {}), cut(100, {})], [intentCut(0.66, 0.7), intentCut(0.75, 0.7)], SPLITS.slice(0, 2), { kind: 'mlp', windows: WINDOWS })!;
    expect(f.intent).toEqual({ served: 'model', auc: 0.66, rfm_logistic_auc: 0.7, holds: false });
    expect(forwardWarnings(f)).toEqual([expect.stringMatching(/^forward check \(chosen on 1 older cut, .*\): intent model: AUC 0\.6600 vs the RFM logistic 0\.7000, did not hold$/)]);
    expect(forwardWarnings(null)).toEqual([]);
  });

  it('leaves intent unjudged where the newest cut has one class only, and lists where a cut has no selection', () => {
    const f = forwardCheck([undefined, cut(100, {})], [intentCut(0.5, 0.5, 0), intentCut(0.7, 0.6)], SPLITS.slice(0, 2), { kind: 'logistic', windows: WINDOWS })!;
    expect(f.for_you).toBeNull();
    expect(f.discover).toBeNull();
    expect(f.intent).toEqual({ served: 'model', auc: null, rfm_logistic_auc: null, holds: null });
  });

  it('with one cut, chooses on each half of its test customers and judges on the other half', () => {
    // Half A (customers 0, 2, …) favours the champion, half B personal counts.
    const only = cut(200, { champion: 0.3, personal_count: 0.25 });
    const halfA = cut(100, { champion: 0.4, personal_count: 0.3 });
    const halfB = cut(100, { champion: 0.2, personal_count: 0.22 });
    const half = (l: typeof halfA.for_you) => ({ figures: l.compared, gains: {} });
    only.halves = {
      for_you: [half(halfA.for_you), half(halfB.for_you)],
      discover: [half(halfA.discover), half(halfA.discover)],
    };
    const f = forwardCheck([only], [intentCut(0.7, 0.6)], SPLITS.slice(0, 1), { kind: 'logistic', windows: WINDOWS })!;
    expect(f).toMatchObject({ mode: 'customer halves', judged_on: SPLITS[0], chosen_on: SPLITS.slice(0, 1) });
    // A chooses the champion, judged on B (0.2, bar 0.22); B chooses personal counts, judged on A (0.3, bar 0.3).
    expect(f.for_you).toMatchObject({ served: 'champion / personal_count', best_baseline: { name: 'personal_count' }, holds: false });
    expect(f.for_you!.value).toBeCloseTo((0.2 + 0.3) / 2, 12);
    expect(f.for_you!.best_baseline.value).toBeCloseTo((0.22 + 0.3) / 2, 12);
    expect(f.for_you!.champion_value).toBeCloseTo((0.2 + 0.4) / 2, 12);
    expect(f.for_you!.figures[`recall_at_${K}`]).toBeCloseTo((0.2 + 0.3) / 2 + 0.05, 12);
    // Both halves agree on discover: the champion, judged at 0.4 against 0.3 on each.
    expect(f.discover).toMatchObject({ served: 'champion', holds: true });
    expect(f.discover!.margin_vs_best_baseline).toBeCloseTo(0.1, 12);
    // This cut's intent has no halves: nothing is left to judge it on.
    expect(f.intent).toEqual({ served: 'model', auc: null, rfm_logistic_auc: null, holds: null });
    expect(forwardWarnings(f)).toEqual([expect.stringMatching(/^forward check \(one cut \(2024-06-01\): chosen on each half of its customers, judged on the other half\): for-you champion \/ personal_count: /)]);
  });

  it('with one cut, judges intent across halves of its customers', () => {
    // Half A: the learned scorer wins (0.74 vs 0.70); half B: the RFM logistic (0.69 vs 0.72).
    const halves: [CutIntent, CutIntent] = [intentCut(0.74, 0.7, 15, 50), intentCut(0.69, 0.72, 15, 50)];
    const f = forwardCheck([cut(100, {})], [{ ...intentCut(0.715, 0.71), halves }], SPLITS.slice(0, 1), { kind: 'logistic', windows: WINDOWS })!;
    // A's choice (model) judged on B: 0.69 vs 0.72; B's (RFM logistic) judged on A: 0.70 vs 0.70.
    expect(f.intent.served).toBe('model / rfm_logistic');
    expect(f.intent.auc).toBeCloseTo((0.69 + 0.7) / 2, 12);
    expect(f.intent.rfm_logistic_auc).toBeCloseTo((0.72 + 0.7) / 2, 12);
    expect(f.intent.holds).toBe(false);
    expect(forwardWarnings(f)).toEqual([expect.stringMatching(/: intent model \/ rfm_logistic: AUC 0\.6950 vs the RFM logistic 0\.7100, did not hold$/)]);
    // A half with buyers only cannot judge: intent stays unjudged.
    const oneClass = forwardCheck([cut(100, {})], [{ ...intentCut(0.7, 0.6), halves: [halves[0], intentCut(0.5, 0.5, 50, 50)] }], SPLITS.slice(0, 1), { kind: 'logistic', windows: WINDOWS })!;
    expect(oneClass.intent).toEqual({ served: 'model', auc: null, rfm_logistic_auc: null, holds: null });
  });

  it('names a dated cut by its day and the last-basket cut by what it holds out', () => {
    expect(cutDay('2024-06-01T00:00:00.000Z')).toBe('2024-06-01');
    const f = forwardCheck([cut(100, {})], [intentCut(0.7, 0.6)], ['each customer\'s last basket'], { kind: 'logistic', windows: WINDOWS })!;
    expect(forwardBasis(f)).toBe('one cut (each customer\'s last basket): chosen on each half of its customers, judged on the other half');
  });

  it('needs a cut; a cut without halves judges no list', () => {
    expect(forwardCheck([], [], [], { kind: 'logistic', windows: WINDOWS })).toBeNull();
    const f = forwardCheck([cut(100, {})], [intentCut(0.7, 0.6)], SPLITS.slice(0, 1), { kind: 'logistic', windows: WINDOWS })!;
    expect(f.for_you).toBeNull();
    expect(f.discover).toBeNull();
  });
});

import { MIN_LABEL_CLASS, type LabelWindow } from './intent';

/**
 * What the purchase label looked like over every window a fit or a holdout saw: `ok` when some window has
 * enough buyers and non-buyers to learn who buys; otherwise degenerate: `everyone` (everyone bought in every
 * window), `no-one` (no one bought in any), or `thin` (too few of one kind in every window).
 */
export type LabelState = 'ok' | 'everyone' | 'no-one' | 'thin';

/** The label's state over the windows, and a sentence for the train result and the registry. */
export interface LabelStatus {
  state: LabelState;
  degenerate: boolean;
  windows: number;
  note: string;
}

/** Classifies the intent label over `windows` (each: customers and buyers in it). */
export function labelStatus(windows: readonly LabelWindow[]): LabelStatus {
  const n = windows.length;
  const learnable = windows.some((w) => w.positives >= MIN_LABEL_CLASS && w.users - w.positives >= MIN_LABEL_CLASS);
  if (learnable) return { state: 'ok', degenerate: false, windows: n, note: 'buyers and non-buyers in the label windows' };
  let state: LabelState = 'thin';
  if (n > 0 && windows.every((w) => w.users > 0 && w.positives === w.users)) state = 'everyone';
  else if (n > 0 && windows.every((w) => w.positives === 0)) state = 'no-one';
  const what = {
    everyone: 'every customer bought in every window',
    'no-one': 'no customer bought in any window',
    thin: `no window had ${MIN_LABEL_CLASS} or more buyers and as many non-buyers`,
    ok: '',
  }[state];
  return {
    state, degenerate: true, windows: n,
    note: `intent label degenerate over ${n} window${n === 1 ? '' : 's'}: ${what}; the intent scores are a rule (expected baskets from frequency, tenure and recency), not a learned model`,
  };
}

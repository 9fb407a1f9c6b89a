import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { EvalReport, ForwardCheck, ForwardList, ListSelection } from '../../ml';
import type { Spread } from '../../ml/spread';
import { generateShapeFile } from './generator-files';
import { SHAPE_NAMES, SHAPES, type ShapeName } from './generator-shapes';

const UCI_FILE = 'data/online-retail/online-retail.csv.gz';
/** The figures shops.json gives for the champion and the best baseline of each list. */
const FIGURES = ['recall_at_10', 'recall_at_20', 'ndcg_at_10', 'ndcg_at_20', 'hr_at_10'] as const;

/** Options of {@link runShapes}. */
export interface ShapesOptions {
  scale: number;
  only: string[] | null;
  k: number;
  horizon: number;
  tune: boolean;
  backend: string;
  /** rolling-origin cuts per shape */
  cuts: number;
  out: string;
}

/** A child eval's report, as it writes it (`--file … --out …`). */
type ChildReport = EvalReport & { file: string; mapping: string; cut_points: string[]; seconds: number; peak_rss_mb: number; rows?: { events: number } };

const r4 = (v: number): number => Math.round(v * 1e4) / 1e4;
const pick = (fig: Record<string, number> | undefined): Record<string, number> =>
  Object.fromEntries(FIGURES.map((key) => [key, r4(fig?.[key] ?? 0)]));
const spread4 = (s: Spread | null | undefined): Spread | null => (s ? { mean: r4(s.mean), min: r4(s.min), max: r4(s.max), std: r4(s.std) } : null);

/** Per list, every method and blend compared: the selection metric's mean and spread over the cuts. */
function spreads(s: EvalReport['selection']): { metric: string; for_you: Record<string, Spread | null>; discover: Record<string, Spread | null> } | null {
  if (!s || !('spread' in s)) return null;
  const list = (l: 'for_you' | 'discover') => Object.fromEntries(Object.entries(s.spread[l]).map(([name, v]) => [name, spread4(v)]));
  return { metric: s.for_you.metric, for_you: list('for_you'), discover: list('discover') };
}

/** The intent figures of a report: the published scorer's AUC and the RFM logistic's, pooled over the cuts when there are several. */
function intentEntry(r: ChildReport): Record<string, unknown> {
  const ic = r.rolling?.intent;
  const served = ic ? (ic.served === 'rfm_logistic' ? ic.rfm_logistic_auc : ic.model_auc) : null;
  return {
    intent_auc: r4(served?.mean ?? r.intent.auc),
    rfm_logistic_auc: ic ? (ic.rfm_logistic_auc ? r4(ic.rfm_logistic_auc.mean) : null) : r.intent.rfm_logistic_auc === null ? null : r4(r.intent.rfm_logistic_auc),
    intent: {
      served: r.intent.served, kind: r.intent.kind, note: r.intent.note,
      model_auc: spread4(ic?.model_auc), rfm_logistic_auc: spread4(ic?.rfm_logistic_auc), label: r.intent.label.state,
      gain_se: ic?.gain_se === undefined ? null : r4(ic.gain_se),
    },
  };
}

function listEntry(l: ListSelection): Record<string, unknown> {
  return {
    served: l.served,
    served_figures: pick(l.compared[l.served]),
    champion: pick(l.compared.champion ?? l.compared[Object.keys(l.compared).find((n) => n.startsWith('champion')) ?? '']),
    best_baseline: { name: l.best_baseline.name, ...pick(l.compared[l.best_baseline.name]) },
    margin_vs_champion: Math.round(l.margin_vs_champion * 1e4) / 1e4,
    margin_vs_best_baseline: Math.round(l.margin_vs_best_baseline * 1e4) / 1e4,
    // composites ahead of the served list whose lead over the best baseline was within one standard error
    within_noise: (l.within_noise ?? []).map((w) => ({ choice: w.choice, gain: r4(w.gain), se: r4(w.se) })),
  };
}

/** The forward check (choices on the older cuts, judged on the newest), rounded like the other figures. */
function forwardEntry(f: ForwardCheck | null): Record<string, unknown> | null {
  if (!f) return null;
  const list = (l: ForwardList | null) => (l ? {
    served: l.served, served_figures: pick(l.figures), best_baseline: { name: l.best_baseline.name, [l.metric]: r4(l.best_baseline.value) },
    margin_vs_best_baseline: r4(l.margin_vs_best_baseline), margin_se: l.margin_se === null ? null : r4(l.margin_se),
    holds: l.holds, within_noise: l.within_noise,
  } : null);
  const i = f.intent;
  return {
    mode: f.mode, judged_on: f.judged_on, chosen_on: f.chosen_on, for_you: list(f.for_you), discover: list(f.discover),
    intent: { served: i.served, auc: i.auc === null ? null : r4(i.auc), rfm_logistic_auc: i.rfm_logistic_auc === null ? null : r4(i.rfm_logistic_auc), holds: i.holds },
  };
}

/** One shops.json entry from a child's report: what each list serves, against the champion and the best baseline. */
export function shopEntry(r: ChildReport): Record<string, unknown> {
  const s = r.selection;
  return {
    file: r.file,
    mapping: r.mapping,
    events: r.rows?.events ?? r.counts.train_events,
    served: s ? { for_you: s.for_you.served, discover: s.discover.served } : null,
    champion: s ? { for_you: pick(s.for_you.compared.champion), discover: pick(s.discover.compared.champion) } : null,
    best_baseline: s ? { for_you: listEntry(s.for_you).best_baseline, discover: listEntry(s.discover).best_baseline } : null,
    lists: s ? { for_you: listEntry(s.for_you), discover: listEntry(s.discover) } : null,
    protocol: { name: r.protocol?.name ?? 'last-horizon', note: r.protocol?.note ?? '', test_users: s?.test_users ?? r.counts.test_users },
    cut_points: r.cut_points,
    cuts: r.rolling ? { note: r.rolling.note, per_cut: r.rolling.cuts } : null,
    spread: spreads(s),
    forward: forwardEntry(r.rolling?.forward ?? null),
    // every cut refits the champion: the sum is what train spends on fits before the refit on all data
    train_seconds: Math.round((r.rolling ? r.rolling.cuts.reduce((a, c) => a + c.train_seconds, 0) : r.train_seconds) * 10) / 10,
    seconds: Math.round(r.seconds * 10) / 10,
    peak_rss_mb: r.peak_rss_mb,
    ...intentEntry(r),
    fallbacks: r.fallbacks,
  };
}

function runChild(args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(__dirname, '..', 'eval.js'), ...args], { stdio: 'inherit' });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`eval ${args.join(' ')} exited with ${code ?? 'a signal'}`))));
  });
}

/**
 * Every shop shape (generated at `scale` into var/synthetic/shops when missing) and UCI, each evaluated in its
 * own process (so its peak memory is its own) with the holdout train would pick; writes shops.json.
 */
export async function runShapes(o: ShapesOptions): Promise<void> {
  const names = [...SHAPE_NAMES, 'uci'].filter((n) => !o.only || o.only.includes(n));
  const common = ['--k', String(o.k), '--horizon', String(o.horizon), '--backend', o.backend, '--cuts', String(o.cuts), ...(o.tune ? [] : ['--no-tune'])];
  const shops: Record<string, unknown> = {};
  const failures: Record<string, string> = {};
  for (const name of names) {
    const out = join('reports', 'shops', `${name}.json`);
    try {
      if (name === 'uci') {
        await runChild(['--file', UCI_FILE, '--out', out, ...common]);
      } else {
        const shape = SHAPES[name as ShapeName];
        const file = join('var', 'synthetic', 'shops', `${name}-x${o.scale}.${shape.format}.gz`);
        if (!existsSync(file)) await generateShapeFile(shape.name, { seed: 1, scale: o.scale }, file);
        await runChild(['--file', file, '--mapping', shape.mapping, '--out', out, ...common]);
      }
      shops[name] = { ...(name === 'uci' ? {} : { scale: o.scale }), ...shopEntry(JSON.parse(readFileSync(out, 'utf8')) as ChildReport) };
    } catch (err) {
      failures[name] = err instanceof Error ? err.message : String(err);
      console.error(`${name}: ${failures[name]}`);
    }
  }
  mkdirSync(dirname(o.out), { recursive: true });
  // A run of some shapes (--only) updates their entries and keeps the others' (each entry says its own scale).
  const previous = existsSync(o.out) ? (JSON.parse(readFileSync(o.out, 'utf8')) as { shops?: Record<string, unknown> }).shops ?? {} : {};
  const all = { ...previous, ...shops };
  writeFileSync(o.out, JSON.stringify({ generated_at: new Date().toISOString(), k: o.k, horizon_days: o.horizon, tuned: o.tune, shops: all, failures }, null, 2));
  console.log(`wrote ${o.out}`);
  for (const [name, e] of Object.entries(all)) {
    const s = e as {
      served: { for_you: string; discover: string } | null; lists: Record<string, { margin_vs_best_baseline: number; margin_vs_champion: number }> | null; protocol: { name: string };
      forward?: { for_you: { holds: boolean; within_noise?: boolean } | null; discover: { holds: boolean; within_noise?: boolean } | null; intent: { holds: boolean | null } } | null;
    };
    const held = (h: boolean | null | undefined, tie = false): string =>
      (h === undefined || h === null ? '-' : h ? 'holds' : `does NOT hold${tie ? ' (within one standard error)' : ''}`);
    const fw = s.forward ? `; forward: for-you ${held(s.forward.for_you?.holds, s.forward.for_you?.within_noise)}, ` +
      `discover ${held(s.forward.discover?.holds, s.forward.discover?.within_noise)}, intent ${held(s.forward.intent.holds)}` : '';
    console.log(`  ${name.padEnd(12)} ${s.protocol.name.padEnd(16)} for-you ${s.served?.for_you ?? '-'} (+${s.lists?.for_you?.margin_vs_best_baseline ?? '-'} vs best baseline), ` +
      `discover ${s.served?.discover ?? '-'} (+${s.lists?.discover?.margin_vs_best_baseline ?? '-'})${fw}`);
  }
}

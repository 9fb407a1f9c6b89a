import type { EvalReport, MethodReport } from '../../ml';

const f = (v: number | undefined, d = 4): string => (v === undefined ? '—' : v.toFixed(d));

function row(name: string, m: MethodReport, k: number): string {
  const fy = m.for_you ?? {};
  const cells = [
    name.padEnd(40), f(fy[`recall_at_${k}`]), f(fy[`ndcg_at_${k}`]), f(fy.mrr), f(fy.coverage, 3), f(fy.diversity, 3),
    f(m.discover?.[`recall_new_at_${k}`]), f(m.intent?.auc, 3), m.train_seconds === undefined ? '—' : `${m.train_seconds.toFixed(1)}s`,
  ];
  return cells.map((c, i) => (i === 0 ? c : c.padStart(9))).join(' ');
}

/** The baselines, sources and champion of a protocol run as one table (the harness's own figures). */
export function printTable(r: EvalReport): void {
  const k = r.k;
  const head = ['method'.padEnd(40), `R@${k}`, `NDCG@${k}`, 'MRR', 'cov', 'div', `dR@${k}new`, 'intAUC', 'train'];
  console.log(head.map((c, i) => (i === 0 ? c : c.padStart(9))).join(' '));
  for (const [name, m] of Object.entries(r.baselines)) console.log(row(`baseline ${name}`, m, k));
  for (const [name, m] of Object.entries(r.sources)) console.log(row(`source ${name}`, m, k));
  console.log(row('CHAMPION (ranker)', { ...r, intent: r.intent }, k));
}

/** What each served list is, through the serving path, next to every choice it was compared with. */
export function printSelection(r: EvalReport): void {
  const s = r.selection;
  if (!s) return;
  if (r.protocol) console.log(`holdout: ${r.protocol.name}: ${r.protocol.note}`);
  for (const list of ['for_you', 'discover'] as const) {
    const l = s[list];
    console.log(`${list} serves ${l.served}: ${l.metric} ${f(l.served_value)} (champion ${f(l.champion_value)}, ` +
      `best baseline ${l.best_baseline.name} ${f(l.best_baseline.value)}; ${s.test_users} test customers` +
      `${list === 'discover' ? `, ${s.discover_users} with a never-bought item` : ''})`);
    for (const w of l.within_noise ?? []) console.log(`    (${w.choice} set aside: its lead ${f(w.gain)} over ${l.best_baseline.name} is within one standard error ${f(w.se)})`);
    const ranked = Object.entries(l.compared).sort((a, b) => (b[1][l.metric] ?? 0) - (a[1][l.metric] ?? 0));
    for (const [name, fig] of ranked.slice(0, 6)) {
      console.log(`    ${name.padEnd(36)} ${Object.entries(fig).map(([key, v]) => `${key} ${f(v)}`).join('  ')}`);
    }
  }
}

/** Figures by item popularity bucket (report.by_popularity): recall and HR per bucket and method, and item coverage. */
export function printByPopularity(r: EvalReport): void {
  const p = r.by_popularity;
  if (!p) return;
  const k = r.k;
  const b = p.buckets;
  console.log(`by item popularity: ${b.definition}`);
  console.log(`  items head ${b.items.head} / torso ${b.items.torso} / tail ${b.items.tail}; ` +
    `purchase share ${b.purchase_share.head} / ${b.purchase_share.torso} / ${b.purchase_share.tail}`);
  for (const list of ['for_you', 'discover'] as const) {
    console.log(`  ${list}: ${['all', 'head', 'torso', 'tail'].map((x) => `${x}: R@10 R@${k} HR@10 HR@${k} (users)`).join(' | ')}`);
    for (const [name, m] of Object.entries(p.methods)) {
      const cells = (['all', 'head', 'torso', 'tail'] as const).map((x) => {
        const v = m[list][x];
        return `${f(v.recall_at_10)} ${f(v[`recall_at_${k}`])} ${f(v.hr_at_10)} ${f(v[`hr_at_${k}`])} (${v.users})`;
      });
      console.log(`    ${name.padEnd(16)} ${cells.join(' | ')}`);
    }
  }
  for (const [name, c] of Object.entries(p.item_coverage)) {
    console.log(`  items with neighbours, ${name.padEnd(14)} all ${f(c.all)}  head ${f(c.head)}  torso ${f(c.torso)}  tail ${f(c.tail)}`);
  }
}

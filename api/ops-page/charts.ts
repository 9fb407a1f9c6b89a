/** Server-rendered SVG charts for the ops page: no script, so the page works under a CSP that allows none. */

/** HTML-escapes text (every value on the page comes from data a shop sent). */
export function esc(s: unknown): string {
  return String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

const COLOURS = ['#2563eb', '#16a34a', '#d97706', '#9333ea', '#dc2626', '#0891b2'];
const W = 640;
const H = 220;
const PAD = { left: 48, right: 16, top: 16, bottom: 40 };

export interface Series {
  name: string;
  /** one value per x; null where the version has no such metric */
  values: (number | null)[];
}

/** Lines over categorical x positions (model versions), one per series, with a legend and the y range as axis. */
export function lineChart(title: string, xs: string[], series: Series[], marked?: string): string {
  const all = series.flatMap((s) => s.values.filter((v): v is number => v !== null && Number.isFinite(v)));
  if (xs.length === 0 || all.length === 0) return `<figure><figcaption>${esc(title)}</figcaption><p class="empty">no data yet</p></figure>`;
  const lo = Math.min(0, ...all);
  const hi = Math.max(...all) || 1;
  const x = (i: number): number => PAD.left + (xs.length === 1 ? (W - PAD.left - PAD.right) / 2 : (i * (W - PAD.left - PAD.right)) / (xs.length - 1));
  const y = (v: number): number => H - PAD.bottom - ((v - lo) / (hi - lo || 1)) * (H - PAD.top - PAD.bottom);
  const parts: string[] = [];
  for (const t of [lo, (lo + hi) / 2, hi]) {
    parts.push(`<line x1="${PAD.left}" x2="${W - PAD.right}" y1="${y(t)}" y2="${y(t)}" class="grid"/><text x="${PAD.left - 6}" y="${y(t) + 4}" text-anchor="end">${esc(t.toFixed(3))}</text>`);
  }
  xs.forEach((label, i) => {
    parts.push(`<text x="${x(i)}" y="${H - PAD.bottom + 16}" text-anchor="middle"${label === marked ? ' class="marked"' : ''}>${esc(label)}</text>`);
  });
  series.forEach((s, k) => {
    const c = COLOURS[k % COLOURS.length]!;
    const pts = s.values.map((v, i) => (v === null || !Number.isFinite(v) ? null : `${x(i).toFixed(1)},${y(v).toFixed(1)}`)).filter((p): p is string => p !== null);
    if (pts.length > 1) parts.push(`<polyline fill="none" stroke="${c}" stroke-width="2" points="${pts.join(' ')}"/>`);
    for (const p of pts) {
      const [px, py] = p.split(',');
      parts.push(`<circle cx="${px}" cy="${py}" r="3.5" fill="${c}"><title>${esc(s.name)}</title></circle>`);
    }
    parts.push(`<rect x="${PAD.left + k * 150}" y="${H - 14}" width="10" height="10" fill="${c}"/><text x="${PAD.left + k * 150 + 14}" y="${H - 5}">${esc(s.name)}</text>`);
  });
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${H}" class="chart line-chart">${parts.join('')}</svg></figure>`;
}

export interface Bar {
  label: string;
  value: number;
  /** a class for the bar (e.g. the run's status) */
  tone?: string;
  note?: string;
}

/** Horizontal bars with their labels and values (segment sizes, run durations). */
export function barChart(title: string, bars: Bar[], unit = ''): string {
  if (bars.length === 0) return `<figure><figcaption>${esc(title)}</figcaption><p class="empty">no data yet</p></figure>`;
  const row = 24;
  const labelW = 200;
  const h = bars.length * row + 8;
  const max = Math.max(...bars.map((b) => b.value)) || 1;
  const parts = bars.map((b, i) => {
    const w = Math.max(1, ((W - labelW - 90) * b.value) / max);
    const yy = i * row + 4;
    return `<text x="${labelW - 8}" y="${yy + 15}" text-anchor="end">${esc(b.label.length > 30 ? `${b.label.slice(0, 29)}…` : b.label)}</text>`
      + `<rect x="${labelW}" y="${yy}" width="${w.toFixed(1)}" height="${row - 6}" class="bar ${esc(b.tone ?? '')}"><title>${esc(b.note ?? b.label)}</title></rect>`
      + `<text x="${labelW + w + 6}" y="${yy + 15}">${esc(Number.isInteger(b.value) ? b.value : b.value.toFixed(1))}${esc(unit)}</text>`;
  });
  return `<figure><figcaption>${esc(title)}</figcaption><svg role="img" aria-label="${esc(title)}" viewBox="0 0 ${W} ${h}" class="chart bar-chart">${parts.join('')}</svg></figure>`;
}

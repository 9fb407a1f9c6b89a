import { CsvRecordReader } from '../../../ingest/formats/csv';
import { NdjsonRecordReader } from '../../../ingest/formats/ndjson';
import { bindCsvHeader, bindJsonKeys } from '../../../ingest/mappings/bind';
import { resolveMapping } from '../../../ingest/mappings/presets';
import type { EventMapping } from '../../../ingest/mappings/types';
import { Rejection } from '../../../ingest/reasons';
import { compileEventValidator, type EventRow } from '../../../ingest/validate';
import { SHAPE_NAMES, SHAPES, type ShapeName } from '../../../scripts/lib/generator-shapes';

/** Every line of a shape at a small scale, validated by the preset that ingests it (as ingest would). */
function validated(name: ShapeName, scale = 0.05, seed = 3): { rows: EventRow[]; rejected: string[] } {
  const shape = SHAPES[name];
  const m = resolveMapping(shape.mapping, 'events') as EventMapping;
  const lines = [...shape.lines({ seed, scale })];
  const rows: EventRow[] = [];
  const rejected: string[] = [];
  const keep = (r: EventRow | Rejection): void => {
    if (r instanceof Rejection) rejected.push(r.reason);
    else rows.push(r);
  };
  if (shape.format === 'csv') {
    const reader = new CsvRecordReader();
    const recs = reader.push(lines);
    const validate = compileEventValidator(m, bindCsvHeader(m, reader.header ?? []));
    for (const r of recs) keep(r.fields ? validate(r.fields) : r.error!);
  } else {
    const recs = new NdjsonRecordReader().push(lines);
    const b = bindJsonKeys(m, recs[0]!.obj!);
    const validate = compileEventValidator(m, b);
    for (const r of recs) keep(validate(b.project(r.obj!)));
  }
  return { rows, rejected };
}

const TYPES = ['search', 'view', 'cart', 'purchase'];
const DAY = 86_400_000;

describe('shop shapes: each one is deterministic and ingests through its preset without a rejected line', () => {
  it.each(SHAPE_NAMES)('%s', (name) => {
    const a = [...SHAPES[name].lines({ seed: 5, scale: 0.02 })];
    expect([...SHAPES[name].lines({ seed: 5, scale: 0.02 })]).toEqual(a);
    const { rows, rejected } = validated(name);
    expect(rejected).toEqual([]);
    expect(rows.some((r) => r.type === 4)).toBe(true);
  });

  it('grocery: weekly baskets, mostly rebought, no price and no quantity', () => {
    const buys = validated('grocery').rows;
    expect(buys.every((r) => r.price === null && r.quantity === null && r.type === 4)).toBe(true);
    const perUser = new Map<string, Map<string, number>>();
    for (const r of buys) {
      const m = perUser.get(r.userId) ?? new Map<string, number>();
      m.set(r.itemId!, (m.get(r.itemId!) ?? 0) + 1);
      perUser.set(r.userId, m);
    }
    const lines = buys.length;
    const rebought = [...perUser.values()].reduce((s, m) => s + [...m.values()].reduce((t, n) => t + (n - 1), 0), 0);
    expect(rebought / lines).toBeGreaterThan(0.6);
  });

  it('catalogue: 50,000 items at scale 1, one purchase per item per customer, a long tail', () => {
    const { rows } = validated('catalogue', 0.1);
    const pairs = new Set(rows.map((r) => `${r.userId}/${r.itemId!}`));
    expect(pairs.size).toBe(rows.length);
    const counts = new Map<string, number>();
    for (const r of rows) counts.set(r.itemId!, (counts.get(r.itemId!) ?? 0) + 1);
    const sorted = [...counts.values()].sort((x, y) => y - x);
    // The top 1% of the items sold carry far more than 1% of the sales; most items sell once or twice.
    expect(sorted.slice(0, Math.ceil(sorted.length / 100)).reduce((s, n) => s + n, 0) / rows.length).toBeGreaterThan(0.05);
    expect(sorted.filter((n) => n <= 2).length / sorted.length).toBeGreaterThan(0.5);
    // 50,000 items at scale 1: 5,000 at 0.1, the long tail reaching the last ones.
    const top = rows.reduce((m, r) => Math.max(m, Number(r.itemId!.slice(1))), 0);
    expect(top).toBeGreaterThan(4000);
    expect(top).toBeLessThan(5000);
  });

  it('clickstream: unix-second times, views, carts, favourites and buys, about 5% of visitors buy', () => {
    const lines = [...SHAPES.clickstream.lines({ seed: 3, scale: 0.05 })];
    expect(lines[1]!.split(',')[3]).toMatch(/^\d{10}$/);
    expect(new Set(lines.slice(1).map((l) => l.split(',')[2]))).toEqual(new Set(['view', 'cart', 'favourite', 'buy']));
    const { rows } = validated('clickstream');
    const visitors = new Set(rows.map((r) => r.userId)).size;
    const buyers = new Set(rows.filter((r) => r.type === 4).map((r) => r.userId)).size;
    expect(buyers / visitors).toBeGreaterThan(0.01);
    expect(buyers / visitors).toBeLessThan(0.08);
  });

  it('sessions: anonymous sessions become their own visitors; a minority carry a customer id', () => {
    const { rows } = validated('sessions');
    const users = new Set(rows.map((r) => r.userId));
    const anonymous = [...users].filter((u) => u.startsWith('session:')).length;
    expect(anonymous / users.size).toBeGreaterThan(0.5);
    expect(rows.filter((r) => !r.userId.startsWith('session:')).length / rows.length).toBeLessThan(0.5);
    expect(rows.some((r) => r.sessionId !== null && !r.userId.startsWith('session:'))).toBe(true);
  });

  it('tiny: 200 customers over two months, every event type', () => {
    const { rows } = validated('tiny');
    expect(new Set(rows.map((r) => r.userId)).size).toBeLessThanOrEqual(200);
    expect(new Set(rows.map((r) => TYPES[r.type - 1]))).toEqual(new Set(TYPES));
    const span = Math.max(...rows.map((r) => r.ms)) - Math.min(...rows.map((r) => r.ms));
    expect(span).toBeGreaterThan(55 * DAY);
    expect(span).toBeLessThan(62 * DAY);
  });
});

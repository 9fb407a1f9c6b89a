import { CsvRecordReader } from '../../../ingest/formats/csv';
import { genericEvents } from '../../../ingest';
import { bindCsvHeader } from '../../../ingest/mappings/bind';
import { Rejection } from '../../../ingest/reasons';
import { compileEventValidator } from '../../../ingest/validate';
import { csvLine, GENERIC_HEADER, malform, ShopGenerator } from '../../../scripts/lib/generator';
import { makeRng } from '../../../scripts/lib/generator-rng';

const opts = { users: 500, items: 200, days: 14, seed: 42, malformedRate: 0 };

describe('synthetic shop generator', () => {
  it('is deterministic for a seed', () => {
    const a = [...new ShopGenerator(opts).events()].slice(0, 200).map(csvLine);
    const b = [...new ShopGenerator(opts).events()].slice(0, 200).map(csvLine);
    const c = [...new ShopGenerator({ ...opts, seed: 43 }).events()].slice(0, 200).map(csvLine);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('produces every event type, repeat purchases and valid generic lines', () => {
    const events = [...new ShopGenerator(opts).events()];
    const types = new Set(events.map((e) => e.type));
    expect([...types].sort()).toEqual(['cart', 'purchase', 'search', 'view']);
    const bought = new Map<string, number>();
    for (const e of events) if (e.type === 'purchase') bought.set(`${e.user}/${e.item}`, (bought.get(`${e.user}/${e.item}`) ?? 0) + 1);
    expect([...bought.values()].some((n) => n > 1)).toBe(true);
    const reader = new CsvRecordReader();
    const recs = reader.push([GENERIC_HEADER, ...events.map(csvLine)]);
    const validate = compileEventValidator(genericEvents, bindCsvHeader(genericEvents, reader.header ?? []));
    const rejected = recs.filter((r) => r.fields === null || validate(r.fields) instanceof Rejection);
    expect(rejected).toHaveLength(0);
  });

  it('respects maxEvents and produces malformed lines ingest rejects with the announced reason', () => {
    const events = [...new ShopGenerator({ ...opts, maxEvents: 300 }).events()];
    expect(events).toHaveLength(300);
    const reader = new CsvRecordReader();
    reader.push([GENERIC_HEADER]);
    const validate = compileEventValidator(genericEvents, bindCsvHeader(genericEvents, reader.header ?? []));
    const r = makeRng(1);
    for (const e of events.slice(0, 120)) {
      const m = malform(e, r(), false);
      const [rec] = reader.push([m.line]);
      const got = rec?.error ?? (rec?.fields ? validate(rec.fields) : null);
      expect(got instanceof Rejection ? got.reason : 'accepted').toBe(m.reason);
    }
  });
});

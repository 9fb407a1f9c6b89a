import { matchToPrevious, segmentCustomers, BROWSERS_SEGMENT, type SegmentInput } from '../../../ml/segments';

interface Customer {
  id: string;
  recency: number;
  frequency: number;
  monetary: number;
  tenure?: number;
  intent?: number;
  views?: number;
  taste?: number[];
}

const GROUPS = ['bags', 'christmas'];

function input(cs: Customer[]): SegmentInput {
  const col = (f: (c: Customer) => number): Float64Array => Float64Array.from(cs, f);
  return {
    userIds: cs.map((c) => c.id), recencyDays: col((c) => c.recency), frequency: col((c) => c.frequency), monetary: col((c) => c.monetary),
    tenureDays: col((c) => c.tenure ?? 300), intent: col((c) => c.intent ?? 0.3), viewShare: col((c) => c.views ?? 0), cartShare: col(() => 0),
    searchShare: col(() => 0), taste: Float32Array.from(cs.flatMap((c) => c.taste ?? [0, 0])), groups: GROUPS,
  };
}

const many = (prefix: string, n: number, c: Omit<Customer, 'id'>): Customer[] =>
  Array.from({ length: n }, (_, i) => ({ ...c, id: `${prefix}${String(i).padStart(3, '0')}`, recency: c.recency + (i % 3), monetary: c.monetary + i }));

describe('behavioural segments', () => {
  it('label recent frequent buyers apart from lapsed rare ones, cover every customer once, and keep browsers apart', () => {
    const cs = [
      ...many('champ', 30, { recency: 2, frequency: 25, monetary: 2000, intent: 0.8 }),
      ...many('gone', 30, { recency: 250, frequency: 1, monetary: 20, intent: 0.05 }),
      ...many('look', 5, { recency: 3, frequency: 0, monetary: 0, views: 1 }),
    ];
    const { segments, movedShare } = segmentCustomers(input(cs), 2);
    expect(segments.map((s) => s.label)).toEqual(['Champions', 'Hibernating', 'Browsers']);
    expect(segments.map((s) => s.segmentId)).toEqual(['champions', 'hibernating', BROWSERS_SEGMENT]);
    expect(segments.flatMap((s) => s.userIds).sort()).toEqual(cs.map((c) => c.id).sort());
    expect(movedShare).toBeNull();
    const champions = segments[0]!.profile;
    expect(champions.medianFrequency).toBe(25);
    expect(champions.medianRecencyDays).toBe(3);
    expect(segments.reduce((s, x) => s + x.profile.revenueShare, 0)).toBeCloseTo(1, 9);
    expect(champions.revenueShare).toBeGreaterThan(0.9);
    expect(segments[0]!.description).toMatch(/Median 3 days since the last order, 25 orders/);
  });

  it('tell two clusters with the same profile apart by taste, else by spend, with URL-safe ids', () => {
    const byTaste = [
      ...many('a', 20, { recency: 300, frequency: 1, monetary: 10, taste: [1, 0] }),
      ...many('b', 20, { recency: 300, frequency: 1, monetary: 10, taste: [0, 1] }),
      ...many('c', 20, { recency: 2, frequency: 30, monetary: 3000, taste: [0.5, 0.5] }),
    ];
    const t = segmentCustomers(input(byTaste), 3).segments.map((s) => s.label);
    expect(t).toEqual(expect.arrayContaining(['Hibernating (bags)', 'Hibernating (christmas)']));
    const bySpend = [
      ...many('a', 20, { recency: 300, frequency: 1, monetary: 10 }),
      ...many('b', 20, { recency: 300, frequency: 1, monetary: 5000 }),
      ...many('c', 20, { recency: 2, frequency: 30, monetary: 3000 }),
    ];
    const s = segmentCustomers(input(bySpend), 3).segments;
    expect(s.map((x) => x.label)).toEqual(expect.arrayContaining(['Hibernating (higher spend)', 'Hibernating (lower spend)']));
    for (const x of s) expect(x.segmentId).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
  });

  it('stay put across nightly runs: the same customers keep their segment ids and nobody moves', () => {
    const cs = [
      ...many('champ', 40, { recency: 2, frequency: 25, monetary: 2000 }),
      ...many('mid', 40, { recency: 60, frequency: 5, monetary: 300 }),
      ...many('gone', 40, { recency: 250, frequency: 1, monetary: 20 }),
    ];
    const first = segmentCustomers(input(cs), 3);
    const previous = new Map(first.segments.flatMap((s) => s.userIds.map((u) => [u, s.segmentId] as const)));
    // Tonight: everyone a day older, and two lapsed customers came back as champions.
    const tonight = cs.map((c) => ({ ...c, recency: c.recency + 1 }));
    tonight[80] = { ...tonight[80]!, recency: 1, frequency: 20, monetary: 1800 };
    tonight[81] = { ...tonight[81]!, recency: 1, frequency: 20, monetary: 1800 };
    const second = segmentCustomers(input(tonight), 3, previous);
    expect(second.segments.map((s) => s.segmentId).sort()).toEqual(first.segments.map((s) => s.segmentId).sort());
    expect(second.matched).toBe(3);
    expect(second.movedShare).toBeCloseTo(2 / 120, 9);
    const champions = second.segments.find((s) => s.segmentId === 'champions')!;
    expect(champions.userIds).toEqual(expect.arrayContaining(['gone000', 'gone001']));
  });

  it('give a segment that no previous one matches a fresh id, never one a previous segment used', () => {
    const previous = new Map([['x1', 'champions'], ['x2', 'hibernating']]);
    const cs = [...many('n', 20, { recency: 2, frequency: 25, monetary: 2000 }), ...many('m', 20, { recency: 250, frequency: 1, monetary: 20 })];
    const { segments, matched, movedShare } = segmentCustomers(input(cs), 2, previous);
    expect(matched).toBe(0);
    expect(movedShare).toBe(0);
    expect(segments.map((s) => s.segmentId)).toEqual(['champions-2', 'hibernating-2']);
  });
});

describe('matching clusters to the previous run', () => {
  it('pairs the largest overlaps first, each previous id at most once', () => {
    const cluster = Int32Array.from([0, 0, 0, 1, 1, 2, 2, 2]);
    const prev = ['a', 'a', 'b', 'a', 'a', 'b', 'b', null];
    expect(matchToPrevious(cluster, prev, 3)).toEqual(['a', null, 'b']);
  });
});

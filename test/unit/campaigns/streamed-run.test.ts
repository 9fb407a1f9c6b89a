import { campaignItemIds, campaignRunOn, computeCampaignRun, type CampaignModelOptions } from '../../../ml/campaign-run';
import { buildSnapshot, SnapshotBuilder, type Snapshot } from '../../../ml/snapshot';
import { EVENT_TYPES, type EventRecord, type ItemRecord } from '../../../ml/types';
import { asEventRecord, ShopGenerator } from '../../../scripts/lib/generator';

const DAY = 86_400_000;

/** A generated shop as clean events, a few returns, and its catalogue. */
function shop(): { events: EventRecord[]; returns: EventRecord[]; items: ItemRecord[]; anchor: number } {
  const gen = new ShopGenerator({ users: 160, items: 50, days: 200, seed: 5, malformedRate: 0, sessionsPerUserDay: 0.08 });
  const items = [...gen.catalogue()].map((it) => ({ itemId: it.id, title: it.title, category: it.category, price: it.price, inStock: it.inStock }));
  const events: EventRecord[] = [...gen.events()].map(asEventRecord);
  const returns = events.filter((e, i) => e.type === 'purchase' && i % 7 === 0).map((e) => ({ ...e, quantity: -1, ts: e.ts + DAY }));
  const anchor = events.reduce((m, e) => Math.max(m, e.ts), 0) + 1;
  return { events, returns, items, anchor };
}

/** Customer "buckets" (a hash of the id, as the store's), read bucket by bucket as pages: store order, not id order. */
function pages<E extends { userId: string }>(all: readonly E[], buckets: number): E[][] {
  const bucket = (id: string): number => [...id].reduce((h, c) => (h * 31 + c.charCodeAt(0)) % 9973, 7) % buckets;
  return Array.from({ length: buckets }, (_, b) => all.filter((e) => bucket(e.userId) === b));
}

/** The snapshot of `events` built from pages of complete customers, as the segment job reads the store. */
function streamed(events: readonly EventRecord[], returns: readonly EventRecord[], anchor: number, itemIds: readonly string[]): Snapshot {
  const b = new SnapshotBuilder(anchor, itemIds);
  const ev = pages(events, 5);
  const back = pages(returns, 5);
  ev.forEach((page, k) => b.addEvents(page, back[k]));
  expect(b.users).toBe(new Set(events.map((e) => e.userId)).size);
  return b.finish('id');
}

describe('a snapshot built page by page (complete customers per page, in store order)', () => {
  const s = shop();
  const itemIds = campaignItemIds(s.events.flatMap((e) => (e.itemId === null ? [] : [e.itemId])), s.items);
  const whole = buildSnapshot(s.events, s.anchor, { returns: s.returns, itemIds });
  const paged = streamed(s.events, s.returns, s.anchor, itemIds);

  it('equals the snapshot of all events held at once: customers in id order, their statistics and (customer, item) rows', () => {
    expect(paged.userIds).toEqual(whole.userIds);
    expect(paged.userIds).toEqual([...paged.userIds].sort());
    expect(paged.itemIds).toEqual(whole.itemIds);
    for (const f of ['rowStart', 'item', 'lines', 'baskets', 'strength', 'decShort', 'decLong', 'lastTs', 'lastBuyTs', 'firstTs'] as const) expect(paged[f]).toEqual(whole[f]);
    for (const f of Object.keys(whole.user) as (keyof Snapshot['user'])[]) expect([f, paged.user[f]]).toEqual([f, whole.user[f]]);
    // Item counts add up exactly across pages; float sums only up to their order.
    for (const f of ['buyers', 'buyers7', 'buyers30', 'buyers90', 'repeatBuyers', 'firstTs'] as const) expect(paged.itemStats[f]).toEqual(whole.itemStats[f]);
    paged.itemStats.price.forEach((p, i) => expect(p).toBeCloseTo(whole.itemStats.price[i]!, 3));
    paged.itemStats.interest30.forEach((p, i) => expect(p).toBeCloseTo(whole.itemStats.interest30[i]!, 3));
    expect(whole.user.returns.some((r) => r > 0)).toBe(true);
  });

  it('counts every event type of each customer before the anchor (the segmentation event mix)', () => {
    const u = paged.userIndex.get(s.events[0]!.userId)!;
    const mine = s.events.filter((e) => e.userId === s.events[0]!.userId);
    EVENT_TYPES.forEach((t, k) => expect(paged.user.mixAll[u * 4 + k]).toBe(mine.filter((e) => e.type === t).length));
  });

  it('leaves out events at or after the anchor and returns of customers it has not seen', () => {
    const b = new SnapshotBuilder(s.anchor, itemIds);
    const late = { ...s.events[0]!, userId: 'late', ts: s.anchor };
    b.addEvents([late, s.events[0]!], [{ ...s.returns[0]!, userId: 'stranger' }]);
    const one = b.finish();
    expect(one.userIds).toEqual([s.events[0]!.userId]);
    expect(one.user.returns[0]).toBe(0);
  });

  it('gives the same campaign run as all events held at once', async () => {
    const o: CampaignModelOptions = {
      k: 4, intentHorizonDays: 30, rules: { newDays: 30, lapsedDays: 180, atRiskProbability: 0.5 }, audienceItems: [s.items[0]!.itemId],
      audienceCategories: [], audienceSize: 40, highIntentMinProbability: 0, newInDays: 30,
    };
    const held = await computeCampaignRun(s.events, s.items, { ...o, anchor: s.anchor, returns: s.returns });
    const run = await campaignRunOn(paged, { events: s.events, returns: s.returns }, s.items, o);
    expect(run.segmentation.segments.map((x) => [x.segmentId, x.userIds])).toEqual(held.segmentation.segments.map((x) => [x.segmentId, x.userIds]));
    expect(run.lifecycle.map((r) => [r.userId, r.stage, r.churnRank, r.segmentId])).toEqual(held.lifecycle.map((r) => [r.userId, r.stage, r.churnRank, r.segmentId]));
    run.lifecycle.forEach((r, i) => expect(r.pNoPurchase90d).toBeCloseTo(held.lifecycle[i]!.pNoPurchase90d, 9));
    expect(run.audiences.map((a) => [a.audienceId, a.members.map((m) => m.userId)])).toEqual(held.audiences.map((a) => [a.audienceId, a.members.map((m) => m.userId)]));
    expect(Array.from(run.newIn.items)).toEqual(Array.from(held.newIn.items));
    expect(run.notes).toEqual(held.notes);
    expect(run.segmentation.segments.length).toBeGreaterThanOrEqual(2);
  }, 120_000);
});

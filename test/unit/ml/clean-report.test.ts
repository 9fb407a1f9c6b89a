import { BadInputError } from '../../../config/errors';
import { QualityTally } from '../../../jobs/handlers/event-quality';
import { UnrecoverableError } from 'bullmq';
import { cleanWithReport } from '../../../ml/clean';
import { monetaryUse, withoutPrices } from '../../../ml/monetary';
import type { EventRecord } from '../../../ml/types';

const T = Date.UTC(2024, 0, 1);

function ev(userId: string, itemId: string | null, type: EventRecord['type'], quantity: number | null, price: number | null): EventRecord {
  return { userId, itemId, type, ts: T, quantity, price, query: null, dwellMs: null, sessionId: null };
}

describe('cleaning reports every drop by reason', () => {
  it('keeps purchases without quantity (counted once) or price (unknown, not 0), drops returns, zero prices, fees', () => {
    const raw = [
      ev('a', 'X', 'purchase', null, null), // no quantity, no price: kept, quantity 1, price unknown
      ev('a', 'Y', 'purchase', 2, 3.5),
      ev('a', 'Y', 'purchase', -1, 3.5), // a return
      ev('b', 'Z', 'purchase', 1, 0), // free line in a priced shop
      ev('b', 'POST', 'purchase', 1, 5),
      ev('b', 'X', 'view', null, null),
    ];
    const r = cleanWithReport(raw, { excludedItemIds: ['post'] });
    expect(r.events.map((e) => [e.itemId, e.type, e.quantity, e.price])).toEqual([
      ['X', 'purchase', 1, null], ['Y', 'purchase', 2, 3.5], ['X', 'view', null, null],
    ]);
    expect(r.dropped).toEqual({ excluded_item: 1, return_or_cancellation: 1, zero_price: 1, purchase_without_item: 0 });
    expect(r).toMatchObject({ raw: 6, kept: 3, purchases: 2, priced: 1, withQuantity: 1, zeroPriceIsUnknown: false });
  });

  it('reads prices of 0 as unknown in a shop where no purchase has a positive price', () => {
    const r = cleanWithReport([ev('a', 'X', 'purchase', 1, 0), ev('b', 'X', 'purchase', 1, 0), ev('b', 'Y', 'purchase', null, null)]);
    expect(r.kept).toBe(3);
    expect(r.events.every((e) => e.price === null)).toBe(true);
    expect(r).toMatchObject({ zeroPriceIsUnknown: true, priced: 0 });
  });

  it('drops monetary features when fewer than half of the purchases are priced', () => {
    const few = [ev('a', 'X', 'purchase', 1, 2), ev('a', 'Y', 'purchase', 1, null), ev('b', 'Y', 'purchase', 1, null)];
    expect(monetaryUse(few)).toEqual({ used: false, pricedShare: 1 / 3 });
    expect(monetaryUse(few.slice(0, 2))).toEqual({ used: true, pricedShare: 0.5 });
    expect(withoutPrices(few).map((e) => e.price)).toEqual([null, null, null]);
  });
});

/** Cleans `events` in pages of `page` as preprocess does (one price rule for the whole shop) and sums the reports. */
function cleanForJob(events: EventRecord[], excludedItemIds: string[], job: string, page = 2) {
  const tally = new QualityTally();
  const kept: EventRecord[] = [];
  const anyPositivePrice = events.some((e) => e.type === 'purchase' && (e.price ?? 0) > 0);
  for (let i = 0; i < events.length; i += page) {
    const r = cleanWithReport(events.slice(i, i + page), { excludedItemIds, anyPositivePrice });
    tally.add(r);
    kept.push(...r.events);
  }
  return { events: kept, quality: tally.finish(job) };
}

describe('a job that cleans its events page by page', () => {
  const shop = [ev('a', 'X', 'purchase', 1, 2), ev('a', 'FEE', 'purchase', 1, 1), ev('b', 'FEE', 'purchase', 1, 1), ev('c', 'FEE', 'view', null, null)];

  it('decides a zero price by the whole shop, not by the page it is in', () => {
    // The page holding the 0 has no positive price of its own: alone it would read 0 as "unknown".
    const priced = [ev('a', 'X', 'purchase', 1, 2), ev('a', 'Y', 'purchase', 1, 2), ev('b', 'Z', 'purchase', 1, 0)];
    const { events, quality } = cleanForJob(priced, [], 'preprocess');
    expect(events.map((e) => e.itemId)).toEqual(['X', 'Y']);
    expect(quality.droppedByReason.zero_price).toBe(1);
  });

  it('warns when it keeps less than half, naming each reason', () => {
    const { events, quality } = cleanForJob(shop, ['FEE'], 'preprocess');
    expect(events).toHaveLength(1);
    expect(quality).toMatchObject({ rawEvents: 4, keptEvents: 1, keptShare: 0.25, purchases: 1, pricedPurchases: 1, purchasesWithQuantity: 1 });
    expect(quality.droppedByReason.excluded_item).toBe(3);
    expect(quality.warnings).toEqual([expect.stringMatching(/preprocess kept 25\.0% of 4 events \(less than half\): 3 excluded_item/)]);
    expect(cleanForJob(shop, [], 'train').quality.warnings).toEqual([]);
  });

  it('fails without retries (UnrecoverableError) when it keeps nothing, saying why', () => {
    const returns = [ev('a', 'X', 'purchase', -2, 2), ev('b', 'Y', 'purchase', -1, 2)];
    let err: unknown;
    try {
      cleanForJob(returns, [], 'train');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(BadInputError);
    expect(err).toBeInstanceOf(UnrecoverableError);
    expect((err as Error).message).toMatch(/train: kept none of 2 events: 2 return_or_cancellation/);
  });
});

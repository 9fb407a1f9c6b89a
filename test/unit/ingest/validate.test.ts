import { genericEvents, genericItems, genericUsers, REJECT_REASONS, Rejection, uciOnlineRetail } from '../../../ingest';
import { bindCsvHeader } from '../../../ingest/mappings/bind';
import { compileEventValidator, compileItemValidator, compileUserValidator, type EventRow } from '../../../ingest/validate';
import { sqlTime } from '../../../ingest/time';

const GENERIC = ['user_id', 'item_id', 'event_type', 'ts', 'quantity', 'price', 'query', 'dwell_ms', 'session_id'];
const generic = compileEventValidator(genericEvents, bindCsvHeader(genericEvents, GENERIC));
const UCI = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];
const uci = compileEventValidator(uciOnlineRetail, bindCsvHeader(uciOnlineRetail, UCI));

const row = (line: string): EventRow | Rejection => generic(line.split(','));
const ok = (x: EventRow | Rejection): EventRow => {
  if (x instanceof Rejection) throw new Error(`rejected: ${x.reason} ${x.detail}`);
  return x;
};
const reason = (x: unknown): string => (x instanceof Rejection ? x.reason : 'ok');

describe('generic events', () => {
  it('reads every field', () => {
    const r = ok(row('u1,i1,purchase,2024-03-01T10:00:00.250Z,2,9.99,,,s1'));
    expect(r).toEqual(expect.objectContaining({ userId: 'u1', itemId: 'i1', type: 4, quantity: 2, price: '9.99', sessionId: 's1', query: null, dwellMs: null }));
    expect(sqlTime(r.ms)).toBe('2024-03-01 10:00:00.250');
  });
  it('maps event type words', () => {
    expect(['search', 'VIEW', 'add_to_cart', 'order', '4'].map((t) => ok(row(`u,i,${t},2024-01-01,,,q,,`)).type)).toEqual([1, 2, 3, 4, 4]);
  });
  it('allows a search without an item but with a query', () => {
    expect(ok(row('u,,search,2024-01-01,,,red mug,,')).query).toBe('red mug');
  });

  it.each([
    ['missing_user', ',i,view,2024-01-01,,,,,'],
    ['missing_item', 'u,,view,2024-01-01,,,,,'],
    ['missing_query', 'u,,search,2024-01-01,,,,,'],
    ['unknown_event_type', 'u,i,wishlist,2024-01-01,,,,,'],
    ['unknown_event_type', 'u,i,,2024-01-01,,,,,'],
    ['unparseable_time', 'u,i,view,yesterday,,,,,'],
    ['unparseable_time', 'u,i,view,2024-02-30,,,,,'],
    ['unparseable_time', 'u,i,view,,,,,,'],
    ['bad_quantity', 'u,i,purchase,2024-01-01,1.5,,,,'],
    ['bad_quantity', 'u,i,purchase,2024-01-01,0,,,,'],
    ['bad_quantity', 'u,i,view,2024-01-01,-2,,,,'],
    ['bad_quantity', 'u,i,purchase,2024-01-01,99999999999,,,,'],
    ['bad_price', 'u,i,purchase,2024-01-01,1,abc,,,'],
    ['negative_price', 'u,i,purchase,2024-01-01,1,-0.5,,,'],
    ['bad_dwell', 'u,i,view,2024-01-01,,,,-3,'],
    ['field_too_long', `${'u'.repeat(65)},i,view,2024-01-01,,,,,`],
    ['field_too_long', `u,,search,2024-01-01,,,${'q'.repeat(256)},,`],
  ])('rejects %s: %s', (code, line) => {
    expect(reason(row(line))).toBe(code);
  });

  it('keeps returns (negative purchase quantities) and zero prices', () => {
    expect(ok(row('u,i,purchase,2024-01-01,-3,0,,,')).quantity).toBe(-3);
  });
});

describe('uci-online-retail', () => {
  const line = (s: string): string[] => s.split(',');
  it('reads a purchase: float CustomerID, upper-cased StockCode, invoice as session, country as attribute', () => {
    const r = ok(uci(line('536365,85123a,WHITE HANGING HEART,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom')));
    expect(r).toEqual(expect.objectContaining({ userId: '17850', itemId: '85123A', type: 4, quantity: 6, price: '2.55', sessionId: '536365', title: 'WHITE HANGING HEART' }));
    expect(JSON.parse(r.userAttributes ?? '{}')).toEqual({ country: 'United Kingdom' });
    expect(sqlTime(r.ms)).toBe('2010-12-01 08:26:00.000'); // GMT in winter
  });
  it('stores London summer time as UTC', () => {
    expect(sqlTime(ok(uci(line('562032,22720,CAKE TIN,3,2011-08-02 10:00:00,4.95,12347.0,Iceland'))).ms)).toBe('2011-08-02 09:00:00.000');
  });
  it('turns cancellations into negative purchases', () => {
    const r = ok(uci(line('C536379,D,Discount,-1,2010-12-01 09:41:00,27.5,14527.0,United Kingdom')));
    expect([r.type, r.quantity, r.sessionId]).toEqual([4, -1, 'C536379']);
    expect(ok(uci(line('C536380,22,X,5,2010-12-01 09:41:00,1,14527.0,United Kingdom'))).quantity).toBe(-5);
  });
  it('rejects guest checkouts as missing_user and keeps zero prices', () => {
    expect(reason(uci(line('536414,22139,,56,2010-12-01 11:52:00,0,,United Kingdom')))).toBe('missing_user');
    expect(ok(uci(line('536414,22139,,56,2010-12-01 11:52:00,0,13256.0,United Kingdom'))).price).toBe('0');
  });
});

describe('items and users', () => {
  const items = compileItemValidator(genericItems, bindCsvHeader(genericItems, ['item_id', 'title', 'category', 'price', 'in_stock', 'attributes']));
  const users = compileUserValidator(genericUsers, bindCsvHeader(genericUsers, ['user_id', 'attributes']));
  it('reads an item', () => {
    expect(items(['i1', 'Mug', 'Home > Mugs', '3.5', 'no', '{"c":"red"}'])).toEqual({ itemId: 'i1', title: 'Mug', category: 'Home > Mugs', price: '3.5', inStock: false, attributes: '{"c":"red"}' });
  });
  it.each([
    ['missing_item', ['', 'Mug', '', '', '', '']],
    ['bad_in_stock', ['i', '', '', '', 'maybe', '']],
    ['bad_attributes', ['i', '', '', '', '', '[1]']],
    ['bad_attributes', ['i', '', '', '', '', 'nope']],
    ['negative_price', ['i', '', '', '-1', '', '']],
    ['field_too_long', ['i', 'x'.repeat(513), '', '', '', '']],
  ])('rejects items with %s', (code, f) => expect(reason(items(f))).toBe(code));
  it('reads users and rejects bad ones', () => {
    expect(users(['u1', '{"tier":"gold"}'])).toEqual({ userId: 'u1', attributes: '{"tier":"gold"}' });
    expect(reason(users(['', '']))).toBe('missing_user');
    expect(reason(users(['u', '"x"']))).toBe('bad_attributes');
  });
});

it('every reason code is covered by some test in this folder', () => {
  // csv.test.ts: wrong_column_count, unterminated_quote, bad_encoding; ndjson-source.test.ts: bad_json;
  // hostile-input.test.ts: line_too_long.
  expect(REJECT_REASONS).toHaveLength(17);
});

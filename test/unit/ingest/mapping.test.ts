import { IngestInputError, genericEvents, presetNames, resolveMapping, uciOnlineRetail } from '../../../ingest';
import { bindCsvHeader, bindJsonKeys } from '../../../ingest/mappings/bind';

const UCI_HEADER = ['InvoiceNo', 'StockCode', 'Description', 'Quantity', 'InvoiceDate', 'UnitPrice', 'CustomerID', 'Country'];
const GENERIC_HEADER = ['user_id', 'item_id', 'event_type', 'ts', 'quantity', 'price', 'query', 'dwell_ms', 'session_id'];

function inputError(f: () => unknown): IngestInputError {
  try {
    f();
  } catch (e) {
    if (e instanceof IngestInputError) return e;
    throw e;
  }
  throw new Error('expected IngestInputError');
}

describe('presets', () => {
  it('ships uci-online-retail, generic and generic-sessions', () => {
    expect(presetNames('events').sort()).toEqual(['generic', 'generic-sessions', 'uci-online-retail']);
    expect(presetNames('items')).toEqual(['generic']);
    expect(resolveMapping('uci-online-retail', 'events')).toBe(uciOnlineRetail);
  });
  it('refuses unknown names and entity mismatches', () => {
    expect(inputError(() => resolveMapping('shopify', 'events')).message).toMatch(/unknown mapping "shopify"/);
    expect(inputError(() => resolveMapping('uci-online-retail', 'items')).message).toMatch(/is for events, not items/);
  });
});

describe('binding a mapping to a header', () => {
  it('binds the UCI header and finds columns case-insensitively', () => {
    const b = bindCsvHeader(uciOnlineRetail, UCI_HEADER.map((h) => h.toLowerCase()));
    expect(b.index('CustomerID')).toBe(6);
    expect(b.index(undefined)).toBe(-1);
  });
  it('lets optional generic columns be missing', () => {
    const b = bindCsvHeader(genericEvents, ['user_id', 'item_id', 'event_type', 'ts']);
    expect(b.index('price')).toBe(-1);
  });
  it('fails at once naming a required column the header lacks', () => {
    const e = inputError(() => bindCsvHeader(uciOnlineRetail, UCI_HEADER.filter((h) => h !== 'CustomerID')));
    expect(e.column).toBe('CustomerID');
    expect(e.message).toMatch(/needs column "CustomerID"/);
  });
  it('fails at once naming an unknown column', () => {
    const e = inputError(() => bindCsvHeader(genericEvents, [...GENERIC_HEADER, 'coupon']));
    expect(e.column).toBe('coupon');
    expect(e.message).toMatch(/unknown column "coupon"/);
  });
  it('refuses a header that names a column twice', () => {
    expect(inputError(() => bindCsvHeader(genericEvents, [...GENERIC_HEADER, 'ts'])).column).toBe('ts');
  });
  it('binds NDJSON by the first object: identity keys required, other keys may be absent', () => {
    const b = bindJsonKeys(genericEvents, { user_id: 'u', event_type: 'search', ts: '2024-01-01', query: 'mug' });
    expect(b.project({ user_id: 'u', event_type: 'search', ts: 1, query: 'mug' })).toEqual(['u', '', 'search', '1', '', '', 'mug', '', '']);
    expect(inputError(() => bindJsonKeys(genericEvents, { item_id: 'i', event_type: 'view', ts: 1 })).column).toBe('user_id');
    expect(inputError(() => bindJsonKeys(genericEvents, { user_id: 'u', event_type: 'view', ts: 1, extra: 1 })).column).toBe('extra');
  });
});

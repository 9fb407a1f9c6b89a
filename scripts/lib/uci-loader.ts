import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { createInterface } from 'node:readline';
import type { EventRecord, ItemRecord } from '../../ml/types';

/** UCI Online Retail stock codes that are fees, postage or adjustments rather than products (compare upper-cased). */
export const UCI_NON_PRODUCT_CODES: readonly string[] = [
  'POST', 'DOT', 'M', 'BANK CHARGES', 'AMAZONFEE', 'C2', 'CRUK', 'D', 'PADS', 'B', 'S',
];

/** Result of loading the UCI file: purchase events plus item titles seen in Description. */
export interface UciData {
  events: EventRecord[];
  items: ItemRecord[];
  linesRead: number;
  linesSkipped: number;
}

/** Splits one CSV line, honouring double-quoted fields (Descriptions may hold commas and doubled quotes). */
export function splitCsvLine(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '"') {
        if (line[i + 1] === '"') {
          cur += '"';
          i++;
        } else quoted = false;
      } else cur += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

/** 'YYYY-MM-DD HH:MM:SS' (or without seconds) read as UTC epoch ms; NaN when malformed. */
export function parseUtc(s: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2})(?::(\d{2}))?/.exec(s.trim());
  if (!m) return NaN;
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
}

/**
 * Streams the gzipped UCI CSV into purchase events. Rows without CustomerID are skipped; cancellations
 * (InvoiceNo starting with C) become purchases with negative quantity; the invoice is the session id.
 */
export async function loadUciEvents(file: string): Promise<UciData> {
  const rl = createInterface({ input: createReadStream(file).pipe(createGunzip()), crlfDelay: Infinity });
  const events: EventRecord[] = [];
  const titles = new Map<string, string>();
  let header: string[] | null = null;
  let linesRead = 0;
  let linesSkipped = 0;
  let col = { inv: 0, code: 1, desc: 2, qty: 3, date: 4, price: 5, cust: 6 };
  for await (const raw of rl) {
    const line = raw.trimEnd();
    if (line.length === 0) continue;
    const f = splitCsvLine(line);
    if (!header) {
      header = f.map((x) => x.trim());
      const at = (n: string, d: number): number => (header!.indexOf(n) >= 0 ? header!.indexOf(n) : d);
      col = {
        inv: at('InvoiceNo', 0), code: at('StockCode', 1), desc: at('Description', 2), qty: at('Quantity', 3),
        date: at('InvoiceDate', 4), price: at('UnitPrice', 5), cust: at('CustomerID', 6),
      };
      continue;
    }
    linesRead++;
    const cust = (f[col.cust] ?? '').trim();
    const code = (f[col.code] ?? '').trim().toUpperCase();
    const inv = (f[col.inv] ?? '').trim();
    const ts = parseUtc(f[col.date] ?? '');
    const qty = Number(f[col.qty]);
    const price = Number(f[col.price]);
    if (cust === '' || code === '' || !Number.isFinite(ts) || !Number.isFinite(qty) || !Number.isFinite(price)) {
      linesSkipped++;
      continue;
    }
    const cancelled = inv.toUpperCase().startsWith('C');
    const desc = (f[col.desc] ?? '').trim();
    if (desc && !titles.has(code)) titles.set(code, desc);
    events.push({
      userId: String(Math.trunc(Number(cust))),
      itemId: code,
      type: 'purchase',
      ts,
      quantity: cancelled ? -Math.abs(qty) : qty,
      price,
      query: null,
      dwellMs: null,
      sessionId: inv,
    });
  }
  const items: ItemRecord[] = [...titles].map(([itemId, title]) => ({ itemId, title, category: null, price: null, inStock: true }));
  return { events, items, linesRead, linesSkipped };
}

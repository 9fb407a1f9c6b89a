import { createHash } from 'node:crypto';
import type { Db } from '../../db/knex';
import { insertChunked } from '../../db/repositories/sql-util';
import { ShopGenerator } from '../../scripts/lib/generator';

const TYPE_CODE = { search: 1, view: 2, cart: 3, purchase: 4 } as const;
const sqlTime = (ms: number): string => new Date(ms).toISOString().replace('T', ' ').replace('Z', '');

/**
 * Writes a generated shop straight into `events` and `items` (tests that are not about ingest), plus a users
 * row with an e-mail attribute for every customer. Returns what it wrote.
 */
export async function insertGeneratedShop(db: Db, o: { users: number; items: number; days: number; seed: number }): Promise<{ events: number; users: string[]; items: string[] }> {
  const gen = new ShopGenerator({ ...o, malformedRate: 0, sessionsPerUserDay: 0.08 });
  const items = [...gen.catalogue()];
  await insertChunked(db, 'items', items.map((it) => ({
    item_id: it.id, title: it.title, category: it.category, price: it.price, in_stock: it.inStock, batch_id: 1, updated_at: sqlTime(Date.now()),
  })));
  const rows: object[] = [];
  const users = new Set<string>();
  let n = 0;
  for (const e of gen.events()) {
    users.add(e.user);
    rows.push({
      event_key: BigInt(`0x${createHash('md5').update(`${n++}|${e.user}|${e.item}|${e.ms}`).digest('hex').slice(0, 15)}`).toString(),
      user_id: e.user, item_id: e.item === '' ? null : e.item, event_type: TYPE_CODE[e.type], occurred_at: sqlTime(e.ms),
      quantity: e.quantity, price: e.price, dwell_ms: e.dwellMs, query: e.query === '' ? null : e.query, session_id: e.session, batch_id: 1,
    });
  }
  await insertChunked(db, 'events', rows, 5000);
  await insertChunked(db, 'users', [...users].map((u) => ({
    user_id: u, attributes: JSON.stringify({ email: `${u}@example.com`, first_name: u === [...users][0] ? '=HYPERLINK("http://evil")' : `Name ${u}` }),
    batch_id: 1, updated_at: sqlTime(Date.now()),
  })));
  return { events: rows.length, users: [...users].sort(), items: items.map((i) => i.id) };
}

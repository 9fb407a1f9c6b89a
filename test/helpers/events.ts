import { createHash } from 'node:crypto';
import type { Db } from '../../db/knex';

/** Inserts purchase events straight into `events` (tests that are not about ingest). */
export async function insertPurchases(db: Db, rows: { user: string; item: string; day: string; qty?: number; price?: number }[]): Promise<void> {
  await db('events').insert(
    rows.map((r, i) => ({
      event_key: BigInt(`0x${createHash('md5').update(`${i}|${r.user}|${r.item}|${r.day}`).digest('hex').slice(0, 15)}`).toString(),
      user_id: r.user,
      item_id: r.item,
      event_type: 4,
      occurred_at: `${r.day} 10:00:00.000`,
      quantity: r.qty ?? 1,
      price: r.price ?? 2.5,
      batch_id: 1,
    })),
  );
}

/** A small shop: users with a taste (even or odd items), a few purchases each over two months. */
export function smallShop(users = 40, items = 12): { user: string; item: string; day: string }[] {
  const rows: { user: string; item: string; day: string }[] = [];
  for (let u = 0; u < users; u++) {
    const purchases = 1 + (u % 5);
    for (let p = 0; p < purchases; p++) {
      const item = ((u % 2) + 2 * ((u + p * 3) % (items / 2))) % items;
      const day = 1 + ((u * 7 + p * 11) % 59);
      rows.push({ user: `c${u}`, item: `sku${item}`, day: `2024-0${day > 30 ? 2 : 1}-${String(((day - 1) % 30) + 1).padStart(2, '0')}` });
    }
  }
  return rows;
}

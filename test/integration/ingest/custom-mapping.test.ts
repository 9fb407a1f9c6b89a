import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IngestInputError, ingestPayloadSchema, runIngest } from '../../../ingest';
import { createTestDb, testConfig } from '../../helpers/env';

/** A shop whose export uses its own column names, `;` as delimiter, day-first times and its own event words. */
const shopMapping = {
  name: 'acme-export',
  entity: 'events' as const,
  columns: { user: 'customer', item: 'sku', eventType: 'action', time: 'when', quantity: 'units', price: 'unit_price' },
  optionalColumns: ['units', 'unit_price'],
  eventType: { values: { seen: 'view' as const, basket: 'cart' as const, bought: 'purchase' as const } },
  time: { format: 'D/M/YYYY H:mm', zone: 'UTC' },
};

describe('custom (inline) mappings', () => {
  let dir: string;
  let env: Awaited<ReturnType<typeof createTestDb>>;
  const config = testConfig('ingest_custom');
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ingest-custom-'));
    env = await createTestDb(config);
  });
  afterAll(async () => {
    await env.drop();
    await rm(dir, { recursive: true, force: true });
  });

  it('ingests a file with the shop’s own column names and event words', async () => {
    const file = join(dir, 'acme.csv');
    await writeFile(file, 'customer;sku;action;when;units;unit_price\nc1;A1;seen;2/3/2024 9:05;;\nc1;A1;basket;2/3/2024 9:06;1;;\nc1;A1;bought;2/3/2024 9:07;1;4.5\nc2;B2;returned;2/3/2024 9:08;1;4.5\n');
    const r = await runIngest({ db: env.db, config: { ...config, REJECTS_DIR: join(dir, 'rejects') } }, file, { mapping: shopMapping });
    expect(r).toMatchObject({ rowsRead: 4, rowsAccepted: 2, rowsRejected: 2 });
    expect(r.rejectsByReason).toEqual({ unknown_event_type: 1, wrong_column_count: 1 }); // "returned"; a stray trailing ';'
    const rows = (await env.db('events').orderBy('occurred_at')) as { event_type: number; occurred_at: string; price: string | null }[];
    expect(rows.map((x) => [x.event_type, x.occurred_at])).toEqual([
      [2, '2024-03-02 09:05:00.000'],
      [4, '2024-03-02 09:07:00.000'],
    ]);
  });

  it('refuses a malformed mapping before reading, naming the field, and one that does not fit the header', async () => {
    const bad = ingestPayloadSchema.safeParse({ path: '/x.csv', mapping: { ...shopMapping, columns: { item: 'sku', time: 'when' } } });
    expect(bad.success).toBe(false);
    expect(JSON.stringify(bad.error?.issues)).toMatch(/user/);
    const file = join(dir, 'other.csv');
    await writeFile(file, 'customer_id;sku;action;when\nc1;A1;seen;2/3/2024 9:05\n');
    await expect(runIngest({ db: env.db, config }, file, { mapping: shopMapping })).rejects.toThrow(IngestInputError);
    await expect(runIngest({ db: env.db, config }, file, { mapping: shopMapping })).rejects.toThrow(/customer/);
  });
});

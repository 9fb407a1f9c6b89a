import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Job } from 'bullmq';
import { listModels } from '../../db/repositories/models';
import type { Queues } from '../../jobs/client/queues';
import { forwardWarnings, type ForwardCheck } from '../../ml/forward-report';
import { mulberry32 } from '../../ml/random';
import { createTestDb, testConfig } from '../helpers/env';
import { startWorkerRig, waitForJob, type WorkerRig } from '../helpers/jobs';

const DAY = 86_400_000;

/**
 * A grocery export with no price and no quantity column (user_id,item_id,event_type,ts): 60 customers shopping
 * about weekly for 16 weeks, most lines rebought from their own staples, plus a few views.
 */
function noPriceFile(): string {
  const rand = mulberry32(7);
  const lines = ['user_id,item_id,event_type,ts'];
  const t0 = Date.UTC(2024, 0, 1);
  for (let u = 0; u < 60; u++) {
    const staples = Array.from({ length: 6 }, () => Math.floor(rand() * 40));
    for (let d = Math.floor(rand() * 7); d < 112; d += 5 + Math.floor(rand() * 5)) {
      const ts = t0 + d * DAY + 3_600_000 * (9 + Math.floor(rand() * 10));
      for (let j = 0; j < 3 + Math.floor(rand() * 4); j++) {
        const item = rand() < 0.8 ? staples[Math.floor(rand() * staples.length)]! : Math.floor(rand() * 40);
        lines.push(`c${u},sku${item},purchase,${new Date(ts + j * 1000).toISOString()}`);
      }
      if (rand() < 0.3) lines.push(`c${u},sku${Math.floor(rand() * 40)},view,${new Date(ts - 60_000).toISOString()}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

describe('a shop whose export has no price and no quantity (ingest → preprocess → train, real workers)', () => {
  let dir: string;
  let config: ReturnType<typeof testConfig>;
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let rig: WorkerRig;
  let queues: Queues;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'si-shop-'));
    config = testConfig('shop_data', { IMPORT_DIR: dir, REJECTS_DIR: path.join(dir, 'rejects'), WORKER_QUEUES: 'ingest,preprocess,train' });
    await writeFile(path.join(dir, 'grocery.csv'), noPriceFile());
    env = await createTestDb(config);
    rig = startWorkerRig(config, env);
    queues = rig.queues;
  });
  afterAll(async () => {
    await rig.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('ingests every line through the generic mapping, keeps every purchase, and trains with prices left out', async () => {
    const ingestId = await queues.add('ingest', { file: 'grocery.csv', dir: 'imports', mapping: 'generic', entity: 'events' }, 'g1');
    const ingest = (await waitForJob(queues.queueFor('ingest'), ingestId)) as { rowsRead: number; rowsAccepted: number; rowsRejected: number };
    expect(ingest.rowsRejected).toBe(0);
    expect(ingest.rowsAccepted).toBe(ingest.rowsRead);
    const stored = (await env.db('events').whereNotNull('price').orWhereNotNull('quantity').count({ n: '*' })) as [{ n: number }];
    expect(Number(stored[0].n)).toBe(0); // unknown, not 0

    const pre = (await waitForJob(queues.queueFor('preprocess'), await queues.add('preprocess', {}, 'p1'))) as Record<string, unknown>;
    expect(pre).toMatchObject({ rawEvents: ingest.rowsAccepted, keptEvents: ingest.rowsAccepted, keptShare: 1, pricedPurchases: 0, purchasesWithQuantity: 0, warnings: [] });
    expect(pre.droppedByReason).toEqual({ excluded_item: 0, return_or_cancellation: 0, zero_price: 0, purchase_without_item: 0 });
    expect(pre.purchases).toBeGreaterThan(1000);

    const train = (await waitForJob(queues.queueFor('train'), await queues.add('train', { horizonDays: 14, k: 10 }, 't1'), 300_000)) as Record<string, unknown>;
    // Every customer shops every 5–9 days: each 14-day window holds all of them, so intent is a rule and the result says so.
    expect(train).toMatchObject({
      promoted: true, monetary: { used: false, pricedShare: 0 }, intent: { kind: 'rule', label: { state: 'everyone' } },
    });
    // The intent warning, plus one for each choice of the older cuts that did not hold on the newest (if any).
    const warnings = train.warnings as string[];
    expect(warnings.filter((w) => !w.startsWith('forward check'))).toEqual([expect.stringMatching(/^intent label degenerate over \d+ windows: every customer bought in every window/)]);
    expect(warnings.filter((w) => w.startsWith('forward check'))).toEqual(forwardWarnings(train.forward as ForwardCheck));
    const [model] = await listModels(env.db);
    expect(model!.params.monetary).toEqual({ used: false, pricedShare: 0 });
    expect(model!.params.fallbacks).toEqual(expect.arrayContaining([expect.stringMatching(/monetary: 0\.0% of purchases carry a price/)]));
    expect((model!.dataWindow.quality as { droppedByReason: Record<string, number> }).droppedByReason.zero_price).toBe(0);
  }, 360_000);

  it('warns when less than half of the events are kept, and fails without retry when none are', async () => {
    const most = Array.from({ length: 30 }, (_, i) => `sku${i}`);
    const pre = (await waitForJob(queues.queueFor('preprocess'), await queues.add('preprocess', { excludedItemIds: most }, 'p2'))) as { warnings: string[]; droppedByReason: Record<string, number> };
    expect(pre.warnings).toEqual([expect.stringMatching(/^preprocess kept \d+\.\d% of [\d,]+ events \(less than half\): [\d,]+ excluded_item/)]);
    expect(pre.droppedByReason.excluded_item).toBeGreaterThan(0);

    const all = Array.from({ length: 40 }, (_, i) => `sku${i}`);
    const id = await queues.add('preprocess', { excludedItemIds: all }, 'p3');
    await expect(waitForJob(queues.queueFor('preprocess'), id)).rejects.toThrow(/preprocess: kept none of [\d,]+ events: [\d,]+ excluded_item/);
    const failed = (await Job.fromId(queues.queueFor('preprocess'), id))!;
    expect(failed.attemptsMade).toBe(1);
  }, 120_000);
});

import { createServer, get, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { writeCampaignHeader } from '../../db/repositories/campaign-writes';
import { createRun, publishRun } from '../../db/repositories/runs';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDb, testConfig } from '../helpers/env';

const KEY = 'memory-read-key';

// Retained memory is what "constant" is about: collect garbage before each heap sample (V8's own gc, exposed here).
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const MEMBERS = 1_000_000;

describe('campaign export of a million customers', () => {
  const config = testConfig('export_mem', { API_KEYS: `${KEY}:read` });
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let api: TestApi;

  beforeAll(async () => {
    env = await createTestDb(config);
    api = await startTestApi(config);
    // A million members with two items each, written by the server itself (MariaDB's sequence tables): the
    // test is about the export, and a million inserts from here would take minutes.
    const runId = await createRun(env.db, 'segments', null, {});
    await env.db.raw(
      `INSERT INTO campaign_members (run_id, campaign_id, position, user_id, probability, segment_id, segment_label, stage, orders, spend, last_order_at, attributes)
       SELECT ?, 'all', seq, CONCAT('customer-', seq), 0.5, 'champions', 'Champions', 'active', 3, 120.5, '2024-05-29 10:00:00', JSON_OBJECT('email', CONCAT('customer-', seq, '@example.com'))
       FROM seq_1_to_${MEMBERS}`, [runId]);
    await env.db.raw(
      `INSERT INTO campaign_items (run_id, campaign_id, position, \`rank\`, item_id, title, reason, reason_item_id, reason_text)
       SELECT ?, 'all', s.seq, r.seq, CONCAT('SKU', r.seq), CONCAT('=WHITE HANGING HEART T-LIGHT HOLDER number ', r.seq), 'trending', NULL, 'Trending now'
       FROM seq_1_to_${MEMBERS} s JOIN seq_1_to_2 r`, [runId]);
    await writeCampaignHeader(env.db, runId, { campaignId: 'all', label: 'All', sourceKind: 'segment', sourceId: 'champions', list: 'for-you', topN: 2, rules: {}, attributeKeys: ['email'], size: MEMBERS });
    await publishRun(env.db, 'segments', runId, MEMBERS);
  }, 300_000);
  afterAll(async () => {
    await api.close();
    await env.drop();
  });

  it('streams every row in constant memory', async () => {
    // A listener left behind per page would leak on a long export; Node warns once there are more than 10.
    const warnings: string[] = [];
    const onWarning = (w: Error): void => {
      warnings.push(`${w.name}: ${w.message}`);
    };
    process.on('warning', onWarning);
    const server = createServer(api.app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      const res = await new Promise<IncomingMessage>((resolve, reject) => {
        get({ host: '127.0.0.1', port, path: '/v1/campaigns/all/export.csv', headers: { 'X-API-Key': KEY } }, resolve).on('error', reject);
      });
      expect(res.statusCode).toBe(200);
      let bytes = 0;
      let rows = 0;
      let baseline: NodeJS.MemoryUsage | null = null;
      let peakHeap = 0;
      let peakRss = 0;
      let lastLine = '';
      let sampledAt = 0;
      const heapSamples: number[] = [];
      for await (const chunk of res) {
        const buf = chunk as Buffer;
        bytes += buf.length;
        for (let i = buf.indexOf(10); i >= 0; i = buf.indexOf(10, i + 1)) rows++;
        lastLine = (lastLine + buf.toString('utf8')).slice(-400);
        // Every 8 MB: the heap that survives a full collection, and the process's resident size.
        if (bytes - sampledAt < 8 * 2 ** 20) continue;
        sampledAt = bytes;
        gc();
        const m = process.memoryUsage();
        // The baseline is taken once the stream runs (pools, buffers and the first pages are all there).
        if (baseline === null) baseline = m;
        heapSamples.push(m.heapUsed / 2 ** 20);
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
      }
      expect(rows).toBe(MEMBERS + 1);
      expect(lastLine).toMatch(/\r\ncustomer-1000000,customer-1000000@example\.com,active,champions,Champions,0\.5,3,120\.5,2024-05-29,SKU1,'=WHITE HANGING HEART T-LIGHT HOLDER number 1,Trending now,SKU2,'=WHITE HANGING HEART T-LIGHT HOLDER number 2,Trending now\r\n$/);
      const growthHeap = (peakHeap - baseline!.heapUsed) / 2 ** 20;
      const growthRss = (peakRss - baseline!.rss) / 2 ** 20;
      // The CSV is over 200 MB: holding even a tenth of it would show here; a streamed export stays flat.
      expect(bytes / 2 ** 20).toBeGreaterThan(200);
      expect(growthHeap).toBeLessThan(32);
      expect(growthRss).toBeLessThan(200);
      expect(warnings).toEqual([]);
      expect(heapSamples.length).toBeGreaterThan(20);
      console.log(`export: ${rows - 1} rows, ${(bytes / 2 ** 20).toFixed(0)} MB; ${heapSamples.length} samples, heap after GC ${Math.min(...heapSamples).toFixed(1)}–${Math.max(...heapSamples).toFixed(1)} MB ` +
        `(growth over the first ${growthHeap.toFixed(1)} MB), RSS growth ${growthRss.toFixed(1)} MB`);
    } finally {
      process.off('warning', onWarning);
      await new Promise((r) => server.close(r));
    }
  }, 300_000);
});

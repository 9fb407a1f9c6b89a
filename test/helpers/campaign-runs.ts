import type { Db } from '../../db/knex';
import { writeAudiences, writeCampaignHeader, writeCampaignMembers, writeLifecycle, type CampaignMemberRow } from '../../db/repositories/campaign-writes';
import { createRun, publishRun, writeSegments } from '../../db/repositories/runs';

/** Customer ids of a seeded run: `${prefix}00000`, `${prefix}00001`, … (sorted as written). */
export const seededId = (prefix: string, i: number): string => `${prefix}${String(i).padStart(5, '0')}`;

/**
 * Writes and publishes a small segmentation run without the job: one segment `champions` of `members`
 * customers, their lifecycle, a churn-warning audience and a `win-back` campaign (two items each; item titles
 * `title` long). Customer ids carry `prefix`, so a reader can tell which run a row came from.
 */
export async function publishSeededRun(db: Db, o: { prefix: string; members: number; titleChars?: number; evilName?: string }): Promise<number> {
  const ids = Array.from({ length: o.members }, (_, i) => seededId(o.prefix, i));
  const runId = await createRun(db, 'segments', null, { asOf: '2024-06-01T00:00:00.000Z', movedShare: 0.05 });
  await writeSegments(db, runId, [{ segmentId: 'champions', label: 'Champions', description: 'Bought recently and often.', size: ids.length, profile: { revenueShare: 0.6, medianRecencyDays: 3 }, userIds: ids }]);
  await writeLifecycle(db, runId, ids.map((userId, i) => ({
    userId, stage: i % 2 ? 'at_risk' : 'active', pNoPurchase90d: i % 2 ? 0.7 : 0.2, expectedSpend90d: 100 + i, valueAtRisk: i % 2 ? 0.7 * (100 + i) : 0.2 * (100 + i),
    churnRank: null, recencyDays: 3, frequency: 5, monetary: 500, firstPurchaseAt: Date.UTC(2023, 0, 1), lastPurchaseAt: Date.UTC(2024, 4, 29), segmentId: 'champions',
  })));
  await writeAudiences(db, runId, [{
    audienceId: 'churn-warning', kind: 'churn-warning', target: null, label: 'Churn warning', description: 'At risk by value.', params: {},
    members: ids.map((userId, i) => ({ userId, probability: 0.9 - i / (10 * ids.length), value: 1000 - i })),
  }]);
  const pad = 'x'.repeat(Math.max(0, (o.titleChars ?? 20) - 10));
  const slice = 5000;
  for (let s = 0; s < ids.length; s += slice) {
    const rows: CampaignMemberRow[] = ids.slice(s, s + slice).map((userId, k) => ({
      position: s + k + 1, userId, probability: 0.5, segmentId: 'champions', segmentLabel: 'Champions', stage: 'at_risk', orders: 5, spend: 499.5,
      lastOrderAt: Date.UTC(2024, 4, 29), attributes: { email: `${userId}@example.com`, first_name: s + k === 0 && o.evilName ? o.evilName : 'Ann' },
      items: [
        { itemId: 'A1', title: `MUG ${pad}`, reason: 'bought-with', reasonItemId: 'B2', reasonText: 'Often bought with BAG' },
        { itemId: 'B2', title: s + k === 0 ? '=cmd|" /C calc"!A0' : `BAG, "big" ${pad}`, reason: 'trending', reasonItemId: null, reasonText: 'Trending now' },
      ],
    }));
    await writeCampaignMembers(db, runId, 'win-back', rows);
  }
  await writeCampaignHeader(db, runId, {
    campaignId: 'win-back', label: 'Win back', sourceKind: 'audience', sourceId: 'churn-warning', list: 'for-you', topN: 2, rules: {}, attributeKeys: ['email', 'first_name'], size: ids.length,
  });
  await publishRun(db, 'segments', runId, ids.length);
  return runId;
}

import type { Campaign } from '../../config';
import type { Db } from '../../db/knex';
import { publishedLists, userAttributes, type ListedItem } from '../../db/repositories/campaign-inputs';
import { writeCampaignHeader, writeCampaignMembers, writeNewInPicks, type CampaignMemberRow, type NewInRow } from '../../db/repositories/campaign-writes';
import type { CampaignRun } from '../../ml/campaign-run';
import { applyRules, reasonText, type Candidate } from '../../ml/campaign-rules';

/** Customers written per slice (bounded statements and memory on big campaigns). */
const SLICE = 2000;

/** The new-in picks of every customer of the run, written slice by slice. */
export async function writeAllNewIn(db: Db, runId: number, run: CampaignRun, perCustomer: number): Promise<number> {
  let rows: NewInRow[] = [];
  let written = 0;
  const ids = run.snap.userIds;
  for (let u = 0; u < ids.length; u++) {
    run.newIn.picks(u, perCustomer).forEach((p, r) => rows.push({
      userId: ids[u]!, rank: r + 1, itemId: run.snap.itemIds[p.item]!, score: p.score, reason: p.reason,
      reasonItemId: p.reasonItem === null ? null : run.snap.itemIds[p.reasonItem]!,
    }));
    if (rows.length >= SLICE * 5 || u === ids.length - 1) {
      await writeNewInPicks(db, runId, rows);
      written += rows.length;
      rows = [];
    }
  }
  return written;
}

/** A campaign's customers in campaign order, with the probability that ranked them. */
function campaignSource(c: Campaign, run: CampaignRun): { kind: 'segment' | 'audience'; id: string; members: { userId: string; probability: number | null }[] } | null {
  if (c.audience !== undefined) {
    const a = run.audiences.find((x) => x.audienceId === c.audience);
    return a ? { kind: 'audience', id: a.audienceId, members: a.members.map((m) => ({ userId: m.userId, probability: m.probability })) } : null;
  }
  const s = run.segmentation.segments.find((x) => x.segmentId === c.segment);
  if (!s) return null;
  // A segment has no order of its own: the customers most likely to buy come first.
  const p = (u: string): number => run.intent[run.snap.userIndex.get(u) ?? -1] ?? 0;
  const members = [...s.userIds].sort((a, b) => p(b) - p(a) || (a < b ? -1 : 1)).map((userId) => ({ userId, probability: p(userId) }));
  return { kind: 'segment', id: s.segmentId, members };
}

/**
 * Builds and writes one campaign into the run: its source's customers joined with each one's list (published
 * for-you / discover lists of run `scoresRunId`, or tonight's new-in picks), filtered by the campaign's rules,
 * with titles, reason sentences and what the export shows about the customer. Returns its size, or null when
 * its segment or audience does not exist in this run.
 */
export async function writeCampaign(db: Db, runId: number, c: Campaign, run: CampaignRun, scoresRunId: number | null): Promise<number | null> {
  const source = campaignSource(c, run);
  if (!source) return null;
  const { snap, cat } = run;
  const lifecycle = new Map(run.lifecycle.map((r) => [r.userId, r] as const));
  const segmentLabel = new Map(run.segmentation.segments.map((s) => [s.segmentId, s.label] as const));
  const titleOf = (id: string | null): string | null => (id === null ? null : (cat.title[snap.itemIndex.get(id) ?? -1] ?? null));
  const categoryOf = (id: string): string | null => {
    const i = snap.itemIndex.get(id);
    if (i === undefined) return null;
    return cat.category[i] ?? (cat.group[i]! >= 0 ? cat.groups[cat.group[i]!]! : null);
  };
  for (let start = 0; start < source.members.length; start += SLICE) {
    const slice = source.members.slice(start, start + SLICE);
    const ids = slice.map((m) => m.userId);
    let lists = new Map<string, ListedItem[]>();
    if (c.list !== 'new-in' && scoresRunId !== null) lists = await publishedLists(db, scoresRunId, c.list, ids);
    const attributes = await userAttributes(db, ids, c.attributes);
    const rows: CampaignMemberRow[] = slice.map((m, k) => {
      const u = snap.userIndex.get(m.userId);
      let candidates: Candidate[] = lists.get(m.userId) ?? [];
      if (c.list === 'new-in' && u !== undefined) {
        candidates = run.newIn.picks(u, Math.max(20, 3 * c.topN)).map((p) => ({
          itemId: snap.itemIds[p.item]!, reason: p.reason, reasonItemId: p.reasonItem === null ? null : snap.itemIds[p.reasonItem]!,
        }));
      }
      const lastBuy = new Map<string, number>();
      if (u !== undefined) for (let p = snap.rowStart[u]!; p < snap.rowStart[u + 1]!; p++) if (snap.lines[p]! > 0) lastBuy.set(snap.itemIds[snap.item[p]!]!, snap.lastBuyTs[p]!);
      const picked = applyRules(candidates, { topN: c.topN, excludeBoughtWithinDays: c.excludeBoughtWithinDays, maxPerCategory: c.maxPerCategory }, {
        asOf: snap.anchor, lastBought: (id) => lastBuy.get(id), categoryOf,
      });
      const l = lifecycle.get(m.userId);
      return {
        position: start + k + 1, userId: m.userId, probability: m.probability, segmentId: l?.segmentId ?? null,
        segmentLabel: l?.segmentId ? (segmentLabel.get(l.segmentId) ?? null) : null, stage: l?.stage ?? null,
        orders: l?.frequency ?? 0, spend: l?.monetary ?? 0, lastOrderAt: l?.lastPurchaseAt ?? null,
        attributes: c.attributes.length > 0 ? (attributes.get(m.userId) ?? {}) : null,
        items: picked.map((p) => ({ ...p, title: titleOf(p.itemId), reasonText: reasonText(p.reason, titleOf(p.reasonItemId)) })),
      };
    });
    await writeCampaignMembers(db, runId, c.id, rows);
  }
  await writeCampaignHeader(db, runId, {
    campaignId: c.id, label: c.label ?? c.id, sourceKind: source.kind, sourceId: source.id, list: c.list, topN: c.topN,
    rules: { excludeBoughtWithinDays: c.excludeBoughtWithinDays, maxPerCategory: c.maxPerCategory ?? null }, attributeKeys: c.attributes,
    size: source.members.length,
  });
  return source.members.length;
}

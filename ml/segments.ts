import { kmeans } from './kmeans';
import type { UserFeatures } from './aggregate';

export interface SegmentProfile {
  size: number;
  medianRecencyDays: number;
  medianFrequency: number;
  medianMonetary: number;
  medianTenureDays: number;
}

export interface Segment {
  segmentId: string;
  label: string;
  description: string;
  profile: SegmentProfile;
  userIds: string[];
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function standardize(rows: number[][]): number[][] {
  const dim = rows[0]?.length ?? 0;
  const mean = new Array<number>(dim).fill(0);
  const sd = new Array<number>(dim).fill(0);
  for (const r of rows) r.forEach((v, j) => (mean[j]! += v / rows.length));
  for (const r of rows) r.forEach((v, j) => (sd[j]! += (v - mean[j]!) ** 2 / rows.length));
  return rows.map((r) => r.map((v, j) => (v - mean[j]!) / (Math.sqrt(sd[j]!) || 1)));
}

/**
 * Names a segment from where it sits relative to the others (z-scores of its medians), so labels stay
 * meaningful on any shop: recent + frequent = champions, long gone + rare = hibernating, and so on.
 */
function labelFor(zRecency: number, zFrequency: number, zTenure: number): [string, string] {
  const recent = zRecency < -0.3;
  const lapsed = zRecency > 0.6;
  const frequent = zFrequency > 0.3;
  if (recent && frequent) return ['Champions', 'Bought recently and often; the most valuable customers.'];
  if (recent && zTenure < -0.3) return ['New customers', 'First purchases were recent; nurture them to a second order.'];
  if (recent) return ['Promising', 'Bought recently but not often yet.'];
  if (lapsed && frequent) return ['At risk', 'Used to buy often but have not bought for a long time; win them back.'];
  if (lapsed) return ['Hibernating', 'Few purchases, long ago; low priority or a reactivation offer.'];
  if (frequent) return ['Loyal', 'Buy often; the last purchase is not very recent.'];
  return ['Needs attention', 'Average recency and frequency; slipping without a nudge.'];
}

/** RFM segmentation: k-means on standardized log recency, frequency, monetary value, with readable labels. */
export function segmentCustomers(features: UserFeatures[], k: number, seed = 7): Segment[] {
  const buyers = features.filter((f) => f.frequency > 0);
  if (buyers.length === 0) return [];
  const x = standardize(buyers.map((f) => [Math.log1p(f.recencyDays), Math.log1p(f.frequency), Math.log1p(Math.max(0, f.monetary))]));
  const { assignment, centroids } = kmeans(x, k, { seed });
  const groups = centroids.map(() => [] as UserFeatures[]);
  buyers.forEach((f, i) => groups[assignment[i]!]!.push(f));
  const profiles = groups.map((g) => ({
    size: g.length,
    medianRecencyDays: median(g.map((f) => f.recencyDays)),
    medianFrequency: median(g.map((f) => f.frequency)),
    medianMonetary: median(g.map((f) => f.monetary)),
    medianTenureDays: median(g.map((f) => f.tenureDays)),
  }));
  const z = standardize(profiles.map((p) => [Math.log1p(p.medianRecencyDays), Math.log1p(p.medianFrequency), Math.log1p(p.medianTenureDays)]));
  const named = groups.map((g, c) => {
    const [label, description] = labelFor(z[c]![0]!, z[c]![1]!, z[c]![2]!);
    return { c, g, label, description, profile: profiles[c]! };
  });
  // Two clusters can sit on the same side of every axis; tell them apart by what they spend.
  for (const label of new Set(named.map((n) => n.label))) {
    const same = named.filter((n) => n.label === label).sort((a, b) => b.profile.medianMonetary - a.profile.medianMonetary);
    if (same.length < 2) continue;
    same.forEach((n, i) => {
      const tier = i === 0 ? 'higher spend' : i === same.length - 1 ? 'lower spend' : `spend tier ${i + 1}`;
      n.label = `${label} (${tier})`;
    });
  }
  return named
    .filter((s) => s.g.length > 0)
    .sort((a, b) => a.profile.medianRecencyDays - b.profile.medianRecencyDays)
    .map((s) => ({
      segmentId: s.label.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, ''),
      label: s.label,
      description: s.description,
      profile: s.profile,
      userIds: s.g.map((f) => f.userId),
    }));
}

import { crc32 } from 'node:zlib';

/**
 * Customer buckets of the training store: every customer's rows carry the top bits of the customer's hash
 * (CRC32(user_id), see {@link customerHash}), computed once when preprocess loads them. A range of buckets is a
 * contiguous stretch of the store's primary key, so scoring shards and the training sample are planned as bucket
 * ranges from the per-bucket counts alone. Top bits, not a remainder: a bucket range is then a range of hashes,
 * and a shard's result rows, keyed by the hash (`recommendations`), land as one contiguous run of the index.
 */

/** Buckets of the training store (a power of two). Changing it needs a preprocess run before anything reads the store again. */
export const STORE_BUCKETS = 4096;

/** Hash values per bucket: bucket = floor(hash / HASH_PER_BUCKET), i.e. the hash's top log2(STORE_BUCKETS) bits. */
export const HASH_PER_BUCKET = 2 ** 32 / STORE_BUCKETS;

/**
 * A customer's hash: CRC32 of the id's UTF-8 bytes, the value MariaDB's CRC32(user_id) gives on a utf8mb4 column.
 * The server computes every stored hash itself; this copy only orders rows before they are sent.
 */
export function customerHash(userId: string): number {
  return crc32(userId);
}

/** Buckets lo ≤ b < hi. */
export interface BucketRange {
  lo: number;
  hi: number;
}

/** What one bucket holds (training_buckets). */
export interface BucketStat {
  bucket: number;
  /** customers with at least one clean event (the ones scoring scores) */
  customers: number;
  /** clean events, and returns / cancellations kept beside them */
  events: number;
  returns: number;
}

/** Every bucket. */
export const ALL_BUCKETS: BucketRange = { lo: 0, hi: STORE_BUCKETS };

/**
 * Scoring shards: contiguous ranges that together cover every bucket exactly once, each with about
 * `usersPerShard` customers (at least one shard; never more shards than non-empty buckets). A customer belongs to
 * exactly one bucket, so every customer is in exactly one shard, and the shards together read the store once.
 */
export function planShards(stats: readonly BucketStat[], usersPerShard: number): BucketRange[] {
  const sorted = [...stats].filter((s) => s.customers > 0).sort((a, b) => a.bucket - b.bucket);
  const total = sorted.reduce((n, s) => n + s.customers, 0);
  const count = Math.max(1, Math.min(sorted.length, Math.ceil(total / Math.max(1, usersPerShard))));
  const ranges: BucketRange[] = [];
  let lo = 0;
  let acc = 0;
  sorted.forEach((s, i) => {
    acc += s.customers;
    const cutsLeft = count - 1 - ranges.length;
    // Cut after the bucket that reaches this shard's share of the running total (shares stay even to the end),
    // or when each remaining bucket must be a shard of its own to make `count`.
    if (cutsLeft > 0 && (acc >= (total * (ranges.length + 1)) / count || sorted.length - 1 - i <= cutsLeft)) {
      ranges.push({ lo, hi: s.bucket + 1 });
      lo = s.bucket + 1;
    }
  });
  ranges.push({ lo, hi: STORE_BUCKETS });
  return ranges;
}

/** A uniform customer sample: the buckets [0, hi) whose rows fit the budget. */
export interface SamplePlan {
  range: BucketRange;
  /** rows (clean events + returns), customers and clean events in the sample, and in the whole store */
  rows: number;
  customers: number;
  events: number;
  totalRows: number;
  totalCustomers: number;
  totalEvents: number;
  /** false when the whole store fits the budget */
  sampled: boolean;
}

/**
 * The training sample for an event budget: whole buckets from the first on while their rows fit (at least one
 * bucket). A bucket is a hash of the customer id, so the sample is a uniform sample of customers, each with their
 * whole history: what per-customer features and holdouts need.
 */
export function planSample(stats: readonly BucketStat[], maxRows: number): SamplePlan {
  const sorted = [...stats].sort((a, b) => a.bucket - b.bucket);
  const totalRows = sorted.reduce((n, s) => n + s.events + s.returns, 0);
  const totalCustomers = sorted.reduce((n, s) => n + s.customers, 0);
  const totalEvents = sorted.reduce((n, s) => n + s.events, 0);
  if (totalRows <= maxRows) {
    return { range: ALL_BUCKETS, rows: totalRows, customers: totalCustomers, events: totalEvents, totalRows, totalCustomers, totalEvents, sampled: false };
  }
  let hi = 0;
  let rows = 0;
  let customers = 0;
  let events = 0;
  for (const s of sorted) {
    const n = s.events + s.returns;
    if (hi > 0 && rows + n > maxRows) break;
    rows += n;
    customers += s.customers;
    events += s.events;
    hi = s.bucket + 1;
  }
  return { range: { lo: 0, hi }, rows, customers, events, totalRows, totalCustomers, totalEvents, sampled: true };
}

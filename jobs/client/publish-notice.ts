import type { Redis } from 'ioredis';

/** What a run published: readers that cache published rows drop them when they hear it. */
export type PublishedKind = 'scores' | 'segments';

/** The Redis pub/sub channel on which publishes are announced (one per deployment prefix). */
export function publishedChannel(prefix: string): string {
  return `${prefix}:published`;
}

/**
 * Announces a publish, after its MySQL transaction has committed. API processes clear their serving cache on
 * it, so the new run is served within milliseconds; an announcement that never arrives (Redis down at that
 * moment) is bounded by the readers' own check of the pointer (see api/serving-cache.ts).
 */
export async function announcePublished(redis: Redis, prefix: string, kind: PublishedKind, runId: number): Promise<void> {
  await redis.publish(publishedChannel(prefix), JSON.stringify({ kind, runId }));
}

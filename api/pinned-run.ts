import type { Db } from '../db/knex';
import { liveSegmentsRun, readableSegmentsRun, type SegmentsRun } from '../db/repositories/campaigns';
import { cursorExpired, decodeCursor, encodeCursor } from './cursor';
import { notFound } from './errors';

/** The run a page reads and where it starts. */
export interface PinnedPage {
  run: SegmentsRun;
  after: string | number | null;
  firstPageAt: number;
  /** the cursor for the page after one that ended at `last` */
  next(last: string | number): string;
}

/**
 * Pins a paged read to one segmentation run: a first page (no cursor) reads the live run; later pages read the
 * cursor's run, even after a newer one was published. 410 when that run is no longer kept (pruning keeps a
 * superseded run for the cursor lifetime, CURSOR_TTL_SECONDS, after it was replaced).
 */
export async function pinnedPage(db: Db, cursor: string | undefined, scope: string, ttlMs: number): Promise<PinnedPage> {
  let run: SegmentsRun | null;
  let after: string | number | null = null;
  let firstPageAt = Date.now();
  if (cursor === undefined) {
    run = await liveSegmentsRun(db);
    if (!run) throw notFound('no segmentation run is published yet');
  } else {
    const c = decodeCursor(cursor, scope, ttlMs);
    run = await readableSegmentsRun(db, c.runId);
    if (!run) throw cursorExpired(`cursor: run ${c.runId} is no longer kept; start again without a cursor`);
    after = c.after;
    firstPageAt = c.firstPageAt;
  }
  const pinned = run;
  return { run: pinned, after, firstPageAt, next: (last) => encodeCursor({ runId: pinned.runId, scope, after: last, firstPageAt }) };
}

/** The live segmentation run, or 404 naming what is missing. */
export async function liveRunOr404(db: Db): Promise<SegmentsRun> {
  const run = await liveSegmentsRun(db);
  if (!run) throw notFound('no segmentation run is published yet');
  return run;
}

/** What every answer says about the run it was read from. */
export function runInfo(run: SegmentsRun): { runId: number; publishedAt: string | null; live: boolean } {
  return { runId: run.runId, publishedAt: run.publishedAt, live: run.live };
}

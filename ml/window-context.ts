import { boughtMask, buyerLists, type EvalContext } from './list-eval';
import { DAY, purchasesInWindow, type Snapshot } from './snapshot';
import type { EventRecord } from './types';

/** Held-out context of a window [anchor (or `fromTs`), anchor + H): test users, their relevant and never-bought relevant items. */
export function windowContext(events: readonly EventRecord[], snap: Snapshot, horizonDays: number, k: number, endTs?: number, fromTs?: number): EvalContext {
  const rel = purchasesInWindow(events, fromTs ?? snap.anchor, endTs ?? snap.anchor + horizonDays * DAY, snap.itemIndex);
  const ctx: EvalContext = { snap, k, testUsers: [], relevant: [], relevantNew: [], buyers: buyerLists(snap) };
  const mask = new Uint8Array(snap.itemIds.length);
  for (const [uid, s] of rel) {
    const u = snap.userIndex.get(uid);
    if (u === undefined) continue;
    boughtMask(snap, u, mask);
    ctx.testUsers.push(u);
    ctx.relevant.push(s);
    ctx.relevantNew.push(new Set([...s].filter((i) => !mask[i])));
  }
  return ctx;
}

/**
 * A full disk: UPLOAD_DIR while an upload streams in, and REJECTS_DIR while an ingest writes its reject
 * report. Each run mounts a small tmpfs over the folder (root needed; a loop-mounted file is the fallback).
 * Upload: a clear 507/413 (no stack), no partial file, no job, and the API keeps serving. Rejects: the job fails
 * naming ENOSPC, its batch ends `failed`, and the events stored are exactly the committed chunks'.
 */
import { execFile } from 'node:child_process';
import { readdir, rm } from 'node:fs/promises';
import { promisify } from 'node:util';
import { Rig, shopFile } from '../rig';
import type { ChaosOutcome, ChaosScenario } from '../types';
import { clearUnavailable, secs, sleep, judged } from './common';

const run = promisify(execFile);

/** Mounts a tmpfs of `size` (e.g. `2m`) on `dir`; falls back to an ext4 image on a loop device. */
export async function mountSmallDisk(dir: string, size: string): Promise<void> {
  try {
    await run('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0777`, 'tmpfs', dir]);
  } catch (tmpfsErr) {
    const image = `${dir}.img`;
    try {
      await run('truncate', ['-s', size.toUpperCase(), image]);
      await run('mkfs.ext4', ['-q', '-F', image]);
      await run('mount', ['-o', 'loop', image, dir]);
    } catch (loopErr) {
      throw new Error(`cannot mount a small disk on ${dir} (needs root): tmpfs: ${String(tmpfsErr)}; loop: ${String(loopErr)}`);
    }
  }
}

/** Unmounts (lazily if busy) and removes a loop image if there was one. */
export async function unmountSmallDisk(dir: string): Promise<void> {
  await run('umount', [dir]).catch(() => run('umount', ['-l', dir]).catch(() => undefined));
  await rm(`${dir}.img`, { force: true });
}

const hasStack = (s: string): boolean => /\n\s+at |\bat .+\.js:\d+/.test(s);

/** Every job under the rig's prefix in any state (the upload must not have enqueued one). */
async function jobCount(rig: Rig): Promise<number> {
  let n = 0;
  for (const q of rig.queues.byName.values()) {
    const c = await q.getJobCounts('active', 'waiting', 'delayed', 'waiting-children', 'prioritized', 'completed', 'failed');
    n += Object.values(c).reduce((a, b) => a + b, 0);
  }
  return n;
}

async function uploadDiskFullRun(): Promise<ChaosOutcome> {
  const rig = await Rig.create({ name: 'disk-full-upload' });
  const dir = rig.env.UPLOAD_DIR as string;
  const problems: string[] = [];
  let recovery: number | null = null;
  let mounted = false;
  try {
    await mountSmallDisk(dir, '2m');
    mounted = true;
    await rig.startApi();
    // About 4 MB of plausible CSV: twice what the disk holds.
    const line = 'u1,i1,view,2024-01-01T10:00:00.000Z,,,,1200,s1\n';
    const big = Buffer.from(`user_id,item_id,event_type,ts,quantity,price,query,dwell_ms,session_id\n${line.repeat(Math.ceil((4 << 20) / line.length))}`);
    const t0 = Date.now();
    const res = await rig.upload(big, { filename: 'too-big.csv' }).catch((err: unknown) => ({ status: 0, body: {}, text: `request failed: ${String(err)}` }));
    const err = (res.body as { error?: { code?: string; message?: string } }).error;
    if (![507, 413].includes(res.status)) problems.push(`answer ${res.status} ${res.text.slice(0, 200)} (want 507 or 413)`);
    else if (!err?.message || !/disk|space|full|storage/i.test(err.message)) problems.push(`the ${res.status} does not say the disk is full: ${res.text.slice(0, 200)}`);
    if (hasStack(res.text)) problems.push('the answer shows a stack trace');
    await sleep(200);
    const left = await readdir(dir);
    if (left.length > 0) problems.push(`left in UPLOAD_DIR: ${left.join(', ')}`);
    const jobs = await jobCount(rig);
    if (jobs > 0) problems.push(`${jobs} job(s) enqueued for a failed upload`);
    // The API keeps serving: health, readiness, a read route, and a small upload once the space is back.
    const ready = await rig.http('GET', '/readyz');
    if (ready.status !== 200) problems.push(`/readyz ${ready.status} after the full disk`);
    const models = await rig.http('GET', '/v1/models');
    if (models.status !== 200) problems.push(`GET /v1/models ${models.status} after the full disk`);
    const small = await rig.upload(Buffer.from(`user_id,item_id,event_type,ts\n${line}`), { filename: 'small.csv' }).catch((e: unknown) => ({ status: 0, body: {}, text: String(e) }));
    if (small.status !== 202) problems.push(`a small upload afterwards got ${small.status} ${small.text.slice(0, 200)}`);
    else recovery = (Date.now() - t0) / 1000;
    const api = rig.procs.find((p) => p.name === 'api');
    if (api && !api.running) problems.push(`the API exited: ${JSON.stringify(api.exit)}`);
    return judged(rig, problems, 0, recovery, () => `4 MB upload into a 2 MB disk: ${res.status} "${err?.message ?? ''}"; nothing left behind; a small upload ${secs(recovery)} later was accepted`);
  } finally {
    // Processes first (they hold files on the small disk), then the mount, then the rest of the rig.
    await Promise.all(rig.procs.map((p) => p.kill()));
    if (mounted) await unmountSmallDisk(dir);
    await rig.teardown({ keepDir: problems.length > 0 });
  }
}

/** A shop whose every other line is malformed: its reject report is several times the small disk. */
const BAD_SHOP = { users: 400, items: 100, days: 90, seed: 21, malformedRate: 0.6, sessionsPerUserDay: 0.08 };

async function rejectsDiskFullRun(): Promise<ChaosOutcome> {
  const file = await shopFile(BAD_SHOP);
  // Production retry timing would spend 15 s in backoff; the failure itself is what is checked.
  const rig = await Rig.create({ name: 'disk-full-rejects' });
  const dir = rig.env.REJECTS_DIR as string;
  const problems: string[] = [];
  let mounted = false;
  let dataLost = 0;
  try {
    await mountSmallDisk(dir, '256k');
    mounted = true;
    await rig.startApi();
    await rig.startWorker();
    const up = await rig.upload(file);
    if (up.status !== 202 || typeof up.body.id !== 'string') throw new Error(`upload refused: ${up.status} ${up.text.slice(0, 200)}`);
    const id = up.body.id;
    const t0 = Date.now();
    let state = '';
    let reason = '';
    while (Date.now() - t0 < 120_000) {
      const j = await rig.job(id, 'ingest');
      state = j?.state ?? 'missing';
      reason = j?.failedReason ?? '';
      if (state === 'completed' || state === 'failed') break;
      await sleep(250);
    }
    if (state !== 'failed') problems.push(`ingest job ${state} (want failed: the reject report cannot be written)`);
    if (!/ENOSPC|no space/i.test(reason)) problems.push(`the failure does not name ENOSPC: "${reason.slice(0, 200)}"`);
    if (hasStack(reason)) problems.push('the failure reason holds a stack trace');
    const status = await rig.http<{ error?: string | null; state?: string }>('GET', `/v1/jobs/${id}`);
    if (status.status !== 200 || hasStack(status.text)) problems.push(`GET /v1/jobs/${id}: ${status.status} ${status.text.slice(0, 200)}`);
    const batches: { batch_id: number; status: string; error: string | null; rows_accepted: number; rows_duplicate: number; checkpoint_line: number }[] =
      await rig.db('ingest_batches').select('batch_id', 'status', 'error', 'rows_accepted', 'rows_duplicate', 'checkpoint_line');
    const events = await rig.countEvents();
    if (batches.length !== 1) problems.push(`${batches.length} ingest batches (want 1, resumed by each retry)`);
    const b = batches[0];
    if (b) {
      if (b.status !== 'failed') problems.push(`batch ${b.batch_id} is ${b.status} (want failed)`);
      if (!/ENOSPC|no space/i.test(b.error ?? '')) problems.push(`batch error does not name ENOSPC: ${String(b.error).slice(0, 200)}`);
      const committed = Number(b.rows_accepted) - Number(b.rows_duplicate);
      dataLost = Math.abs(events - committed);
      if (events !== committed) problems.push(`${events} events stored but the batch's checkpoint accounts for ${committed}`);
      const page = await rig.http('GET', `/v1/ingest/batches/${b.batch_id}`);
      if (page.status !== 200 && !clearUnavailable(page.status, page.body)) problems.push(`GET /v1/ingest/batches/${b.batch_id}: ${page.status}`);
    }
    const left = await rig.unfinishedJobs();
    if (Object.keys(left).length > 0) problems.push(`unfinished jobs: ${JSON.stringify(left)}`);
    const crashed = rig.procs.filter((p) => !p.running);
    if (crashed.length > 0) problems.push(`processes exited: ${crashed.map((p) => p.name).join(', ')}`);
    return judged(rig, problems, dataLost, null, () => `ingest failed after ${((Date.now() - t0) / 1000).toFixed(0)} s: "${reason.slice(0, 120)}"; batch failed at line ${b?.checkpoint_line ?? '?'} with ${events} events, all committed`);
  } finally {
    // Processes first (they hold files on the small disk), then the mount, then the rest of the rig.
    await Promise.all(rig.procs.map((p) => p.kill()));
    if (mounted) await unmountSmallDisk(dir);
    await rig.teardown({ keepDir: problems.length > 0 });
  }
}

/** Disk full under uploads and under reject reports. */
export const diskFullScenarios: ChaosScenario[] = [
  { name: 'disk-full-upload', quick: true, run: uploadDiskFullRun },
  { name: 'disk-full-rejects', run: rejectsDiskFullRun },
];


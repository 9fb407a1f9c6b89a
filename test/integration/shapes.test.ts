import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Job } from 'bullmq';
import request from 'supertest';
import type { Queues } from '../../jobs/client/queues';
import { cleanEvents, listFigures, selectBackend, type EventRecord, type EvalReport } from '../../ml';
import { evaluateProtocol } from '../../ml/eval/protocol';
import { loadEventsFile } from '../../scripts/lib/file-events';
import { SHAPES, type ShapeName } from '../../scripts/lib/generator-shapes';
import { startTestApi, type TestApi } from '../helpers/api';
import { createTestDb, testConfig } from '../helpers/env';
import { startWorkerRig, waitForJob, type WorkerRig } from '../helpers/jobs';

const DAY = 86_400_000;
const KEY = 'shapes-ops-key-1';
const K = 20;
const H = 14;

/** Each shape small enough for a test, big enough that some customers buy after the cut. */
const SCALES: Record<ShapeName, number> = { grocery: 0.02, catalogue: 0.012, clickstream: 0.1, sessions: 0.05, tiny: 1 };

/** A line's time (CSV: the 4th column, ISO or unix seconds; NDJSON: `ts`). */
function lineTs(line: string, format: 'csv' | 'ndjson'): number {
  const raw = format === 'csv' ? line.split(',')[3]! : String((JSON.parse(line) as { ts: string }).ts);
  return /^\d+$/.test(raw) ? Number(raw) * 1000 : Date.parse(raw);
}

interface TrainResult {
  version: number;
  served: { forYou: string; discover: string } | null;
  protocol: { name: string; testUsers: number };
}

/**
 * The harness's truth after the cut, with its definitions (list-eval's windowContext): customers with any event
 * before the split who bought, in the window, items seen before it; discover's truth leaves out what they bought.
 */
function truthAfter(events: readonly EventRecord[], split: number, from: number, to: number) {
  const known = new Set<string>();
  const items = new Set<string>();
  const bought = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.ts >= split) continue;
    known.add(e.userId);
    if (e.itemId !== null) items.add(e.itemId);
    if (e.type === 'purchase' && e.itemId !== null) bought.set(e.userId, (bought.get(e.userId) ?? new Set()).add(e.itemId));
  }
  const rel = new Map<string, Set<string>>();
  for (const e of events) {
    if (e.type !== 'purchase' || e.ts < from || e.ts >= to || e.itemId === null || !known.has(e.userId) || !items.has(e.itemId)) continue;
    rel.set(e.userId, (rel.get(e.userId) ?? new Set()).add(e.itemId));
  }
  return [...rel].map(([user, r]) => ({ user, relevant: r, relevantNew: new Set([...r].filter((i) => !bought.get(user)?.has(i))) }));
}

describe.each(Object.keys(SCALES) as ShapeName[])('shop shape %s: ingest, train and score through the workers; the served lists score what the harness says', (name) => {
  const shape = SHAPES[name];
  let dir: string;
  let config: ReturnType<typeof testConfig>;
  let env: Awaited<ReturnType<typeof createTestDb>>;
  let rig: WorkerRig;
  let queues: Queues;
  let api: TestApi;
  const before: string[] = [];
  const after: string[] = [];
  let cut = 0;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), `si-shape-${name}-`));
    config = testConfig(`shape_${name}`, { API_KEYS: `${KEY}:read+jobs+ops`, IMPORT_DIR: dir, REJECTS_DIR: path.join(dir, 'rejects'), WORKER_QUEUES: 'ingest,preprocess,train,control,score-shard', TOP_K: String(K) });
    // The shop's file, cut H days before its end: the workers see only what came before the cut.
    const lines = [...shape.lines({ seed: 11, scale: SCALES[name] })];
    const header = shape.format === 'csv' ? lines.shift()! : null;
    const end = lines.reduce((m, l) => Math.max(m, lineTs(l, shape.format)), 0);
    cut = Math.floor(end / DAY) * DAY - H * DAY;
    for (const l of lines) (lineTs(l, shape.format) < cut ? before : after).push(l);
    const write = (file: string, body: string[]): Promise<void> => writeFile(path.join(dir, file), `${[...(header ? [header] : []), ...body].join('\n')}\n`);
    await write(`before.${shape.format}`, before);
    await write(`all.${shape.format}`, [...before, ...after]);
    env = await createTestDb(config);
    rig = startWorkerRig(config, env);
    queues = rig.queues;
    api = await startTestApi(config);
    await selectBackend('wasm');
  }, 60_000);
  afterAll(async () => {
    await api.close();
    await rig.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** A job's result; a job that ended without one says what BullMQ holds of it. */
  const result = async <T>(name: 'ingest' | 'preprocess' | 'train' | 'score-all-users', id: string, ms: number): Promise<T> => {
    const value = await waitForJob(queues.queueFor(name), id, ms);
    if (value === null || value === undefined) {
      const job = await Job.fromId(queues.queueFor(name), id);
      throw new Error(`${name} ${id} ended ${job ? await job.getState() : 'missing'} without a result: attempts ${job?.attemptsMade ?? '?'}, ` +
        `failed ${job?.failedReason ?? '-'}, logs ${JSON.stringify((await queues.queueFor(name).getJobLogs(id)).logs.slice(-5))}`);
    }
    return value as T;
  };

  it('publishes lists that score, on the weeks after the cut, what the harness measures for the same choice (within 0.01)', async () => {
    const ingest = await result<{ rowsRejected: number; rowsAccepted: number }>('ingest', await queues.add('ingest', { file: `before.${shape.format}`, dir: 'imports', mapping: shape.mapping, entity: 'events' }, 'i1'), 120_000);
    expect(ingest).toMatchObject({ rowsRejected: 0, rowsAccepted: before.length });
    // Each stage reads what the one before wrote: preprocess cleans the events into the store train reads.
    await result('preprocess', await queues.add('preprocess', {}, 'p1'), 300_000);

    const trained = await result<TrainResult>('train', await queues.add('train', { horizonDays: H, k: K }, 't1'), 600_000);
    expect(trained.served).not.toBeNull();
    const models = await request(api.app).get('/v1/models').set('X-API-Key', KEY).expect(200);
    const registered = (models.body.models as { version: number; metrics: EvalReport; decision: string }[]).find((m) => m.version === trained.version)!;
    // What was compared, the choice and its margins are in the registry, as the API shows it.
    expect(registered.metrics.selection?.for_you.served).toBe(trained.served!.forYou);
    expect(Object.keys(registered.metrics.selection!.for_you.compared).length).toBeGreaterThanOrEqual(12);
    expect(registered.metrics.selection!.for_you.margin_vs_best_baseline).toBeGreaterThanOrEqual(0);
    expect(registered.metrics.protocol?.name).toBe(trained.protocol.name);
    expect(registered.decision).toMatch(/for-you serves .*; discover serves /);

    const scored = await result<{ users: number }>('score-all-users', await queues.add('score-all-users', { k: K }, 's1'), 300_000);
    expect(scored.users).toBeGreaterThan(0);

    // The harness on the whole file, cut where the workers' data ends: its figure for the choice the workers serve.
    const all = await loadEventsFile(path.join(dir, `all.${shape.format}`), shape.mapping);
    const clean = cleanEvents(all.events);
    const lastBefore = clean.filter((e) => e.ts < cut).reduce((m, e) => Math.max(m, e.ts), 0);
    const report = await evaluateProtocol(all.events, { splitTs: lastBefore, testFromTs: cut, testEndTs: cut + H * DAY, k: K, horizonDays: H, backend: 'wasm', tune: false });
    const truth = truthAfter(clean, lastBefore, cut, cut + H * DAY);
    expect(report.selection!.test_users).toBe(truth.length);
    expect(truth.length).toBeGreaterThanOrEqual(10);

    // The served lists, read through the API.
    const served = async (user: string, list: string): Promise<string[]> => {
      const res = await request(api.app).get(`/v1/users/${encodeURIComponent(user)}/recommendations?list=${list}&limit=${K}`).set('X-API-Key', KEY).expect(200);
      return (res.body.items as { itemId: string }[]).map((i) => i.itemId);
    };
    const ids = new Map<string, number>();
    const idx = (id: string): number => ids.get(id) ?? (ids.set(id, ids.size), ids.size - 1);
    const fy: number[][] = [];
    const di: number[][] = [];
    for (const t of truth) {
      fy.push((await served(t.user, 'for-you')).map(idx));
      di.push((await served(t.user, 'discover')).map(idx));
    }
    const toIdx = (s: Set<string>): Set<number> => new Set([...s].map(idx));
    const servedFy = listFigures(fy, truth.map((t) => toIdx(t.relevant)), K);
    const servedDi = listFigures(di, truth.map((t) => toIdx(t.relevantNew)), K);
    const harnessFy = report.selection!.for_you.compared[trained.served!.forYou]!;
    const harnessDi = report.selection!.discover.compared[trained.served!.discover]!;
    process.stdout.write(`${name}: protocol ${trained.protocol.name}; serves for-you ${trained.served!.forYou}, discover ${trained.served!.discover}; ` +
      `after the cut (${truth.length} customers): served NDCG@${K} ${servedFy[`ndcg_at_${K}`]!.toFixed(4)} / ${servedDi[`ndcg_at_${K}`]!.toFixed(4)}, ` +
      `harness ${harnessFy[`ndcg_at_${K}`]!.toFixed(4)} / ${harnessDi[`ndcg_at_${K}`]!.toFixed(4)}\n`);
    for (const key of [`ndcg_at_${K}`, `recall_at_${K}`, 'hr_at_10']) {
      expect(Math.abs(servedFy[key]! - harnessFy[key]!)).toBeLessThanOrEqual(0.01);
      expect(Math.abs(servedDi[key]! - harnessDi[key]!)).toBeLessThanOrEqual(0.01);
    }
  }, 900_000);
});

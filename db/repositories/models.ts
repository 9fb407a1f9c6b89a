import type { Db } from '../knex';
import { fromSqlTime, toSqlTime, withTransaction } from './sql-util';

export type Metrics = Record<string, unknown>;

/** What train registers: a version's parameters, data window, holdout metrics, baselines and artifact. */
export interface NewModel {
  kind: string;
  backend: string;
  params: Record<string, unknown>;
  dataWindow: Record<string, unknown>;
  metrics: Metrics;
  baselines: Metrics;
  /** why it was (or was not) promoted */
  decision: string;
  trainSeconds: number;
  artifact: Buffer;
}

/** A registered version as listed (the artifact itself stays in MySQL; only its size is read). */
export interface ModelSummary extends Omit<NewModel, 'artifact'> {
  version: number;
  status: 'active' | 'inactive';
  artifactBytes: number;
  createdAt: string;
  activatedAt: string | null;
}

const SUMMARY_COLUMNS = ['version', 'kind', 'status', 'backend', 'params', 'data_window', 'metrics', 'baselines', 'decision', 'train_seconds', 'created_at', 'activated_at'];

const json = (v: unknown): Record<string, unknown> => (typeof v === 'string' ? (JSON.parse(v) as Record<string, unknown>) : (v as Record<string, unknown>));

function toSummary(r: Record<string, unknown>): ModelSummary {
  return {
    version: Number(r.version),
    kind: String(r.kind),
    status: r.status === 'active' ? 'active' : 'inactive',
    backend: String(r.backend),
    params: json(r.params),
    dataWindow: json(r.data_window),
    metrics: json(r.metrics),
    baselines: json(r.baselines),
    decision: String(r.decision),
    trainSeconds: Number(r.train_seconds),
    artifactBytes: Number(r.artifact_bytes ?? 0),
    createdAt: new Date(fromSqlTime(r.created_at as string)).toISOString(),
    activatedAt: typeof r.activated_at === 'string' ? new Date(fromSqlTime(r.activated_at)).toISOString() : null,
  };
}

/** Registers a version; when `activate` is set it becomes the only active one in the same transaction. */
export async function registerModel(db: Db, m: NewModel, activate: boolean): Promise<number> {
  return withTransaction(db, async (trx) => {
    const now = toSqlTime(Date.now());
    if (activate) await trx('models').where({ kind: m.kind, status: 'active' }).update({ status: 'inactive' });
    const [version] = await trx('models').insert({
      kind: m.kind,
      status: activate ? 'active' : 'inactive',
      backend: m.backend,
      params: JSON.stringify(m.params),
      data_window: JSON.stringify(m.dataWindow),
      metrics: JSON.stringify(m.metrics),
      baselines: JSON.stringify(m.baselines),
      decision: m.decision,
      train_seconds: m.trainSeconds,
      artifact: m.artifact,
      created_at: now,
      activated_at: activate ? now : null,
    });
    return Number(version);
  });
}

/** The active version of a kind (without its artifact), or null. */
export async function getActiveModel(db: Db, kind: string): Promise<ModelSummary | null> {
  const row = (await db('models')
    .select(...SUMMARY_COLUMNS, db.raw('LENGTH(artifact) AS artifact_bytes'))
    .where({ kind, status: 'active' })
    .first()) as Record<string, unknown> | undefined;
  return row ? toSummary(row) : null;
}

/** Every version, newest first, without artifacts. */
export async function listModels(db: Db, limit = 50): Promise<ModelSummary[]> {
  const rows = (await db('models')
    .select(...SUMMARY_COLUMNS, db.raw('LENGTH(artifact) AS artifact_bytes'))
    .orderBy('version', 'desc')
    .limit(limit)) as Record<string, unknown>[];
  return rows.map(toSummary);
}

/** A version's artifact bytes, or null when there is no such version. */
export async function loadArtifact(db: Db, version: number): Promise<Buffer | null> {
  const row = (await db('models').select('artifact').where({ version }).first()) as { artifact: Buffer } | undefined;
  return row?.artifact ?? null;
}

/** Makes `version` the active one of its kind (rollback or roll forward); false when it does not exist. */
export async function activateModel(db: Db, version: number, reason: string): Promise<boolean> {
  return withTransaction(db, async (trx) => {
    const row = (await trx('models').select('kind').where({ version }).forUpdate().first()) as { kind: string } | undefined;
    if (!row) return false;
    await trx('models').where({ kind: row.kind, status: 'active' }).update({ status: 'inactive' });
    await trx('models').where({ version }).update({ status: 'active', activated_at: toSqlTime(Date.now()), decision: reason });
    return true;
  });
}

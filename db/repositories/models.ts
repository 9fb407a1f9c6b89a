import type { Db } from '../knex';
import { explainArtifactFailure, planArtifact, readArtifactChunks, writeArtifactChunks, type ArtifactPlan } from './model-artifacts';
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

/** Stored bytes of a version's artefact: its chunks, or the column of older releases. */
const ARTIFACT_BYTES = 'LENGTH(artifact) + COALESCE((SELECT SUM(LENGTH(c.bytes)) FROM model_artifact_chunks c WHERE c.version = models.version), 0) AS artifact_bytes';

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

/**
 * Registers a version; when `activate` is set it becomes the only active one in the same transaction. The
 * artefact goes into model_artifact_chunks in that transaction, in chunks sized for the server's
 * max_allowed_packet (`opts.chunkBytes` overrides, for tests); a refusal for size is an ArtifactRefusedError.
 */
export async function registerModel(db: Db, m: NewModel, activate: boolean, opts: { chunkBytes?: number } = {}): Promise<number> {
  const plan = await planArtifact(db, m.artifact, opts.chunkBytes);
  try {
    return await insertModel(db, m, activate, plan);
  } catch (err) {
    throw await explainArtifactFailure(db, err, plan.statementBytes);
  }
}

async function insertModel(db: Db, m: NewModel, activate: boolean, plan: ArtifactPlan): Promise<number> {
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
      // The bytes live in model_artifact_chunks; this column only holds artefacts of older releases.
      artifact: Buffer.alloc(0),
      created_at: now,
      activated_at: activate ? now : null,
    });
    await writeArtifactChunks(trx, Number(version), plan);
    return Number(version);
  });
}

/** The active version of a kind (without its artifact), or null. */
export async function getActiveModel(db: Db, kind: string): Promise<ModelSummary | null> {
  const row = (await db('models')
    .select(...SUMMARY_COLUMNS, db.raw(ARTIFACT_BYTES))
    .where({ kind, status: 'active' })
    .first()) as Record<string, unknown> | undefined;
  return row ? toSummary(row) : null;
}

/** Every version, newest first, without artifacts. */
export async function listModels(db: Db, limit = 50): Promise<ModelSummary[]> {
  const rows = (await db('models')
    .select(...SUMMARY_COLUMNS, db.raw(ARTIFACT_BYTES))
    .orderBy('version', 'desc')
    .limit(limit)) as Record<string, unknown>[];
  return rows.map(toSummary);
}

/**
 * What identifies a version's artefact across databases: the schema, the version and when it was written (versions
 * are never rewritten, but two databases, or a dropped and re-created one, can both hold a version 1). Null when
 * there is no such version.
 */
export async function artifactStamp(db: Db, version: number): Promise<string | null> {
  // created_at comes back as text (the pool reads DATETIMEs as UTC strings).
  const row = (await db('models').select(db.raw('DATABASE() AS db'), 'created_at').where({ version }).first()) as { db: string; created_at: string } | undefined;
  return row ? `${row.db}/${version}/${row.created_at}` : null;
}

/** A version's artifact bytes (from its chunks, or the column of older releases), or null when there is no such version. */
export async function loadArtifact(db: Db, version: number): Promise<Buffer | null> {
  const row = (await db('models').select(db.raw('LENGTH(artifact) AS n')).where({ version }).first()) as { n: number | string } | undefined;
  if (!row) return null;
  if (Number(row.n) === 0) return (await readArtifactChunks(db, version)) ?? Buffer.alloc(0);
  const legacy = (await db('models').select('artifact').where({ version }).first()) as { artifact: Buffer } | undefined;
  return legacy?.artifact ?? null;
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

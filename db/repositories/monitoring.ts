import type { Db } from '../knex';
import { fromSqlTime } from './sql-util';

/** The run each kind serves now, for monitoring: its id, model version, customers and when it was published. */
export interface PublishedRunStatus {
  kind: string;
  runId: number;
  modelVersion: number | null;
  users: number;
  /** epoch ms */
  publishedAt: number;
}

/** One row per kind that has a published run (scores, segments). */
export async function publishedRuns(db: Db): Promise<PublishedRunStatus[]> {
  const rows = (await db('published_runs as p')
    .join('score_runs as r', 'r.run_id', 'p.run_id')
    .select('p.kind', 'p.run_id', 'r.model_version', 'r.users', 'p.published_at')
    .orderBy('p.kind')) as { kind: string; run_id: number; model_version: number | null; users: number; published_at: string }[];
  return rows.map((r) => ({ kind: r.kind, runId: Number(r.run_id), modelVersion: r.model_version === null ? null : Number(r.model_version), users: Number(r.users), publishedAt: fromSqlTime(r.published_at) }));
}

/** An active model as monitoring needs it: kind, version, holdout metrics, when it was activated. */
export interface ActiveModelStatus {
  kind: string;
  version: number;
  metrics: Record<string, unknown>;
  /** epoch ms, or null when never recorded */
  activatedAt: number | null;
}

/** The active version of every kind (one per kind), without artifacts. */
export async function activeModels(db: Db): Promise<ActiveModelStatus[]> {
  const rows = (await db('models').select('kind', 'version', 'metrics', 'activated_at').where({ status: 'active' }).orderBy('kind')) as { kind: string; version: number; metrics: unknown; activated_at: string | null }[];
  return rows.map((r) => ({
    kind: r.kind,
    version: Number(r.version),
    metrics: (typeof r.metrics === 'string' ? JSON.parse(r.metrics) : r.metrics) as Record<string, unknown>,
    activatedAt: typeof r.activated_at === 'string' ? fromSqlTime(r.activated_at) : null,
  }));
}

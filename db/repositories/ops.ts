import type { Db } from '../knex';
import { fromSqlTime } from './sql-util';

/** One scoring or segmentation run as ops see it. */
export interface RunSummary {
  runId: number;
  kind: string;
  status: string;
  modelVersion: number | null;
  users: number;
  startedAt: string;
  /** null while running */
  seconds: number | null;
}

/** The newest runs of every kind, newest first (the ops page's "last runs"). */
export async function recentRuns(db: Db, limit = 15): Promise<RunSummary[]> {
  const rows = (await db('score_runs')
    .select('run_id', 'kind', 'status', 'model_version', 'users', 'started_at', 'finished_at')
    .orderBy('run_id', 'desc')
    .limit(limit)) as { run_id: number; kind: string; status: string; model_version: number | null; users: number; started_at: string; finished_at: string | null }[];
  return rows.map((r) => ({
    runId: r.run_id, kind: r.kind, status: r.status, modelVersion: r.model_version, users: r.users,
    startedAt: new Date(fromSqlTime(r.started_at)).toISOString(),
    seconds: r.finished_at === null ? null : (fromSqlTime(r.finished_at) - fromSqlTime(r.started_at)) / 1000,
  }));
}

import type { Db } from '../../db/knex';
import { artifactStamp, loadArtifact } from '../../db/repositories/models';
import { deserializeModel, type ChampionModel } from '../../ml';
import { BadInputError, require_ } from '../../config/errors';

/** The last model this process scored with, by its artefact's stamp ({@link artifactStamp}). */
let last: { stamp: string; model: ChampionModel } | null = null;

/**
 * A scoring run's pinned model version, deserialised once per process. A run has one shard per few thousand
 * customers, and a sandbox process scores shard after shard of the same run: at 100,000 items, reading and
 * decoding the artefact took seconds per shard. Only the most recent model is kept (a new version replaces it),
 * and the cached model is never changed by scoring (per-model scratch lives beside it, in WeakMaps).
 */
export async function scoringModel(db: Db, version: number): Promise<ChampionModel> {
  const stamp = await artifactStamp(db, version);
  require_(stamp !== null, `model version ${version} does not exist`);
  if (last?.stamp === stamp) return last.model;
  // Drop the old one first: two catalogue-sized models need not be held at once.
  last = null;
  const artifact = await loadArtifact(db, version);
  require_(artifact !== null, `model version ${version} does not exist`);
  let model: ChampionModel;
  try {
    model = deserializeModel(artifact);
  } catch (err) {
    // A corrupt or foreign artefact stays corrupt: fail once, naming the version, instead of retrying.
    throw new BadInputError(`model version ${version} is unreadable: ${err instanceof Error ? err.message : String(err)}`);
  }
  last = { stamp, model };
  return model;
}

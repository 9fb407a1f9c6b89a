import type { Knex } from 'knex';
import { rawDataMigrations } from './001-raw-data';
import { featureMigrations } from './002-features';
import { modelMigrations } from './003-models';
import { outputMigrations } from './004-outputs';
import { scoreShardMigrations } from './005-score-shards';
import { apiKeyMigrations } from './006-api-keys';
import { campaignMigrations } from './007-campaigns';
import { modelArtifactChunkMigrations } from './008-model-artifact-chunks';
import { servingItemMigrations } from './009-serving-items';
import { trainingStoreMigrations } from './010-training-store';
import { intentKindMigrations } from './011-intent-kind';
import { dropUserFeatureMigrations } from './012-drop-user-features';
import { recommendationOrderMigrations } from './013-recommendation-order';
import type { Migration } from './types';

/** Every migration in order. Listed in code (not read from a folder) so ts-run tests and compiled dist agree. */
export const migrations: Migration[] = [
  ...rawDataMigrations, ...featureMigrations, ...modelMigrations, ...outputMigrations, ...scoreShardMigrations, ...servingItemMigrations, ...apiKeyMigrations,
  ...campaignMigrations, ...modelArtifactChunkMigrations, ...trainingStoreMigrations, ...intentKindMigrations, ...dropUserFeatureMigrations,
  ...recommendationOrderMigrations,
];

/** knex migration source over the list above. */
export const migrationSource: Knex.MigrationSource<Migration> = {
  getMigrations: () => Promise.resolve(migrations),
  getMigrationName: (m) => m.name,
  getMigration: (m) => Promise.resolve(m),
};

import { createTable, type Migration } from './types';

/**
 * Model artefacts as ordered chunks of a few MB each: a single row holding a whole artefact (38 MB at 23,000
 * items) is one packet bigger than MariaDB's default max_allowed_packet (16 MB), which the server refuses by
 * dropping the connection. Chunks are written in the model's registration transaction and read back in order.
 */
export const modelArtifactChunkMigrations: Migration[] = [
  createTable('016_model_artifact_chunks', 'model_artifact_chunks', (t) => {
    t.integer('version').unsigned().notNullable();
    t.integer('seq').unsigned().notNullable();
    t.specificType('bytes', 'MEDIUMBLOB').notNullable();
    t.primary(['version', 'seq']);
  }),
];

import { createTable, type Migration } from './types';

/**
 * Managed API keys (issue 12): created, listed and revoked by `npm run keys`, read by the API through the
 * SELECT-only user. Only SHA-256 of each key is stored (see api/keys/secret.ts for why that hash). `last_used_at`
 * is folded in from Redis by the key tool: the API records use in Redis because it never writes MySQL.
 * The migration's name carries its file number so it cannot clash with another file's `016_…`.
 */
export const apiKeyMigrations: Migration[] = [
  createTable('006-api-keys_001_api_keys', 'api_keys', (t) => {
    t.string('key_id', 16).primary(); // public: the `<id>` in si_<id>_<secret>
    t.string('name', 100).notNullable();
    t.string('scopes', 100).notNullable(); // comma list of API scopes
    t.specificType('secret_sha256', 'BINARY(32)').notNullable();
    t.specificType('created_at', 'DATETIME(3)').notNullable();
    t.specificType('revoked_at', 'DATETIME(3)').nullable();
    t.specificType('last_used_at', 'DATETIME(3)').nullable();
  }),
];

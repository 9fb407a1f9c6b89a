/** A config for one test file (its own database and BullMQ prefix) and its migrated database: shared with the chaos runs. */
export { isolatedConfig as testConfig, createIsolatedDb as createTestDb } from '../../scripts/lib/isolated-env';

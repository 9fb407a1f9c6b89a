/** Ingest: any shop's events, items and users files, validated, idempotent, with a reject report. */
export { runIngest, type IngestDeps } from './runner';
export { resolveIngestFile } from './confine';
export { ingestOptionsSchema, ingestPayloadSchema, type IngestOptions, type IngestOptionsInput, type IngestPayload, type IngestPayloadInput, type IngestProgress, type IngestResult, type IngestEntity } from './payload';
export { IngestInputError } from './errors';
export { REJECT_REASONS, Rejection, type RejectReason } from './reasons';
export { presetNames, resolveMapping, uciOnlineRetail, genericEvents, genericItems, genericUsers } from './mappings/presets';
export type { EventMapping, ItemMapping, UserMapping, Mapping } from './mappings/types';
export type { RejectEntry } from './rejects';
export { eventKey } from './event-key';

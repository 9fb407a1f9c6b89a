/**
 * Public API of ml/ (pure numeric code: no I/O). What jobs call:
 * - `selectBackend(pref)` once per process/thread, before anything else; log the name it returns.
 * - `cleanEvents(events, { excludedItemIds })` before fitting; `returnEvents(events, …)` for the returns and
 *   cancellations that cleaning drops (an intent signal: pass them as `returns` to fitChampion and scoreUsers).
 * - `evaluateProtocol(events, { splitTs, k, horizonDays, excludedItemIds, backend })` → EvalReport
 *   (baselines + champion on a temporal holdout; the registry stores this report).
 * - `fitChampion(events, { asOf, k, horizonDays, params?, items?, returns? })` → ChampionModel for serving;
 *   `serializeModel(m)` / `deserializeModel(buf)` for the registry artefact.
 * - `scoreUsers(model, events, userIds, { k, returns? })` → per user { forYou, discover, intent } (shard by shard).
 * - `shouldPromote(candidate, active, margin)` → { promote, reason } (gate on holdout NDCG@K).
 * Short or thin histories degrade (shorter windows, fixed ranker blend, simpler intent model) and say so in
 * `report.fallbacks` / `model.params.fallbacks`; only data with nothing to learn from (no purchases, or purchases
 * on fewer than two days) throws `InsufficientDataError`, which must not be retried.
 */
export { selectBackend, activeBackend } from './backend';
export { InsufficientDataError } from './errors';
export { cleanEvents, returnEvents, type CleanOptions } from './clean';
export { evaluateProtocol, type EvalReport, type MethodReport, type ProtocolOptions } from './protocol';
export {
  fitChampion, scoreUsers, DEFAULT_CHAMPION_PARAMS,
  type ChampionModel, type ChampionParams, type FitOptions, type Rec, type Reason, type ScoreOptions, type UserScores,
} from './champion';
export { serializeModel, deserializeModel } from './serialize';
export { shouldPromote, type GateMetrics } from './promotion';
export { recallAtK, ndcgAtK, reciprocalRank, catalogueCoverage, intraListDiversity, rocAuc, brierScore, reliabilityTable } from './metrics';
export { topK } from './topk';
export type { EventRecord, ItemRecord, EventType } from './types';

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
 * - `planHoldout(cleanEvents, horizonDays)` → which holdout has enough test customers (last horizon, widened, or
 *   each customer's last basket); `evaluateProtocol` on it also compares, per list, the champion with every baseline
 *   and blend through the serving path (`report.selection`); its choice goes into `model.params.serve`.
 * - `shouldPromote(candidate, active, margin)` → { promote, reason } (gate on holdout NDCG@K).
 * Short or thin histories degrade (shorter windows, fixed ranker blend, simpler intent model) and say so in
 * `report.fallbacks` / `model.params.fallbacks`; only data with nothing to learn from (no purchases, or purchases
 * on fewer than two days) throws `InsufficientDataError`, which must not be retried.
 */
export { selectBackend, activeBackend } from './backend';
export { InsufficientDataError } from './errors';
export { cleanEvents, returnEvents, type CleanOptions } from './clean';
export { evaluateProtocol, type EvalReport, type MethodReport, type ProtocolOptions } from './protocol';
export { planHoldout, MIN_HOLDOUT_USERS, type HoldoutPlan, type HoldoutProtocol } from './holdout';
export { selectLists, listFigures, describeSelection, type ListSelection, type SelectionReport } from './list-selection';
export { CHAMPION_POLICY, choiceName, type ListChoice, type ListPolicy } from './list-policy';
export {
  fitChampion, scoreUsers, rankLists, DEFAULT_CHAMPION_PARAMS,
  type ChampionModel, type ChampionParams, type FitOptions, type Rec, type Reason, type ScoreOptions, type UserScores,
} from './champion';
export { serializeModel, deserializeModel } from './serialize';
export { shouldPromote, servedGateMetrics, type GateMetrics } from './promotion';
export { recallAtK, ndcgAtK, reciprocalRank, catalogueCoverage, intraListDiversity, rocAuc, brierScore, reliabilityTable } from './metrics';
export { topK } from './topk';
export type { EventRecord, ItemRecord, EventType } from './types';

/**
 * Public API of ml/ (pure numeric code: no I/O). What jobs call:
 * - `selectBackend(pref)` once per process/thread, before anything else; log the name it returns.
 * - `cleanEvents(events, { excludedItemIds })` before fitting; `returnEvents(events, …)` for the returns and
 *   cancellations that cleaning drops (an intent signal: pass them as `returns` to fitChampion and scoreUsers).
 * - `planHoldout(cleanEvents, horizonDays)` then `planCuts(cleanEvents, horizonDays, plan, n)` → the rolling-origin
 *   cuts; `evaluateRolling(events, cuts, { k, horizonDays, excludedItemIds, backend })` → EvalReport: the
 *   production path at every cut (`evaluateCut`: champion fit before the cut, every list choice and the intent
 *   scorer against the RFM logistic through the serving code), each choice made on the cuts pooled. The registry
 *   stores this report. The evaluation harness (ml/eval/, `npm run eval`) adds report-only rows on top.
 * - `fitChampion(events, { asOf, k, horizonDays, params?, items?, returns? })` → ChampionModel for serving;
 *   `serializeModel(m)` / `deserializeModel(buf)` for the registry artefact.
 * - `scoreUsers(model, events, userIds, { k, returns? })` → per user { forYou, discover, intent } (shard by shard).
 * - `planHoldout` picks which holdout has enough test customers (last horizon, widened, or each customer's last
 *   basket); the pooled `report.selection` goes into `model.params.serve`, and `publishedIntent(model.intent,
 *   report.intent…)` is the intent model to publish (its RFM logistic when that won; a rule when no label
 *   window taught anything, `report.intent.label` says why).
 * - `shouldPromote(candidate, active, margin)` → { promote, reason } (gate on holdout NDCG@K).
 * Short or thin histories degrade (shorter windows, fixed ranker blend, simpler intent model) and say so in
 * `report.fallbacks` / `model.params.fallbacks`; only data with nothing to learn from (no purchases, or purchases
 * on fewer than two days) throws `InsufficientDataError`, which must not be retried.
 */
export { selectBackend, activeBackend } from './backend';
export { InsufficientDataError } from './errors';
export { cleanEvents, returnEvents, type CleanOptions } from './clean';
export { evaluateCut, type EvalReport, type IntentReport, type MethodReport, type ProtocolOptions } from './holdout-run';
export { planHoldout, MIN_HOLDOUT_USERS, type HoldoutPlan, type HoldoutProtocol } from './holdout';
export { planCuts, type CutPlan, type HoldoutCut, type RollingSummary } from './rolling-origin';
export { evaluateRolling } from './rolling-eval';
export { poolSelections, servedSpread, type PooledSelectionReport } from './pooled-selection';
export { forwardCheck } from './forward-check';
export { cutDay, forwardBasis, forwardLines, forwardWarnings, type ForwardCheck, type ForwardIntent, type ForwardList } from './forward-report';
export { chooseIntent, publishedIntent, intentKindOf, type IntentChoice, type IntentServed, type IntentKindServed, type PublishedIntent } from './intent-choice';
export { labelStatus, type LabelStatus } from './intent-label';
export { selectLists, listFigures, describeSelection, type ListSelection, type SelectionReport } from './list-selection';
export { CHAMPION_POLICY, choiceName, type ListChoice, type ListPolicy } from './list-policy';
export {
  fitChampion, withPolicy, scoreUsers, modelScores, listScores, scoreIntent, rankLists, DEFAULT_CHAMPION_PARAMS,
  type ChampionModel, type ChampionParams, type FitOptions, type ModelScores, type Rec, type Reason, type ScoreOptions, type UserScores,
} from './champion';
export { serializeModel, deserializeModel } from './serialize';
export { shouldPromote, servedGateMetrics, type GateMetrics } from './promotion';
export { recallAtK, ndcgAtK, reciprocalRank, catalogueCoverage, intraListDiversity, rocAuc, brierScore, reliabilityTable } from './metrics';
export { topK } from './topk';
export type { EventRecord, ItemRecord, EventType } from './types';

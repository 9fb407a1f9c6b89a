import { burstJobSubmissionsScenario } from './load/burst';
import { soakReadApiScenario } from './load/soak';
import type { ChaosScenario } from './types';

/**
 * Load (issue 8): a soak of the read API at a sustainable rate while nightly pipelines run (errors, p99 against
 * the quiet figure, RSS slope), and a minute of 200 job submissions per second (each accepted or refused with
 * 429, none lost). Both take minutes, so neither is in the quick subset; see load/soak.ts and load/burst.ts
 * for their settings. The contract has no per-scenario run count, so the full run (5 runs) soaks 5 × 10
 * minutes: about an hour for the soak alone. CHAOS_SOAK_SECONDS shortens it.
 */
export const loadScenarios: ChaosScenario[] = [soakReadApiScenario(), burstJobSubmissionsScenario()];

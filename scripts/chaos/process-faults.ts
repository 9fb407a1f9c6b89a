import type { ChaosScenario } from './types';

/** Filled in by the work on issue 8. */
export const processScenarios: ChaosScenario[] = [];

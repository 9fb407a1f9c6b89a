import { inputScenarios } from './input-fuzz';
import { loadScenarios } from './load';
import { processScenarios } from './process-faults';
import type { ChaosScenario } from './types';

/** Every chaos scenario, in the order the full run takes them. */
export const scenarios: ChaosScenario[] = [...processScenarios, ...inputScenarios, ...loadScenarios];

import { diskFullScenarios } from './faults/disk-full';
import { mysqlKillScenarios } from './faults/mysql-kill';
import { redisRestartScenario } from './faults/redis-restart';
import { schedulerScenarios } from './faults/schedulers';
import { workerSignalScenarios } from './faults/worker-signals';
import type { ChaosScenario } from './types';

/**
 * Process faults (issue 8), each against real processes (rig.ts): workers SIGKILLed or SIGINTed during each job
 * type, Redis restarted mid-pipeline, MySQL connections killed mid-pipeline and mid-publish, full disks under
 * uploads and reject reports, two schedulers started at once.
 */
export const processScenarios: ChaosScenario[] = [
  ...workerSignalScenarios,
  redisRestartScenario(),
  ...mysqlKillScenarios,
  ...diskFullScenarios,
  ...schedulerScenarios,
];

import { runScenario } from '../../scripts/chaos/index';
import { scenarios } from '../../scripts/chaos/scenarios';

/**
 * The quick chaos subset (`npm run chaos -- --quick`) through the runner's own code: real API and worker
 * processes from dist/ (npm test builds first), a fresh database and prefix per run, root for the tmpfs mounts.
 * Each quick scenario must pass its one run without losing data.
 */
const quick = scenarios.filter((s) => s.quick);

describe('chaos: the quick scenarios pass once each', () => {
  it('has quick scenarios', () => {
    expect(quick.length).toBeGreaterThan(0);
  });

  it.each(quick.map((s) => [s.name, s] as const))('%s', async (_name, scenario) => {
    const row = await runScenario(scenario, 1);
    // The details say what went wrong when it fails, so they are part of what is compared.
    expect({ passes: row.passes, data_lost: row.data_lost, details: row.details }).toEqual({ passes: 1, data_lost: 0, details: [expect.stringMatching(/^run 1: pass/)] });
  }, 240_000);
});

import fc from 'fast-check';
import { apiProperty } from '../../scripts/chaos/fuzz/api-check';
import { startFuzzTarget, type FuzzTarget } from '../../scripts/chaos/fuzz/services';

// Hostile requests to every route, property-based (issue 8), on real MariaDB + Redis. A fixed seed keeps
// `npm test` repeatable; FUZZ_SEED and FUZZ_RUNS explore further (the chaos run does thousands).
const SEED = Number(process.env.FUZZ_SEED ?? 20260802);
const RUNS = Number(process.env.FUZZ_RUNS ?? 300);

describe('API under hostile requests (property, real MariaDB + Redis)', () => {
  let target: FuzzTarget;

  // The same target as the chaos run: fuzz keys, generous limits, a seeded batch, a control worker for activation.
  beforeAll(async () => {
    target = await startFuzzTarget('fuzz_api');
  });
  afterAll(() => target.close());

  it(`never answers 5xx, always a safe JSON error on 4xx (${RUNS} generated requests, seed ${SEED})`, async () => {
    const counter = { n: 0, byStatus: {} as Record<string, number> };
    await fc.assert(apiProperty(target.api.port, [target.dir, process.cwd()], counter), { numRuns: RUNS, seed: SEED });
    if (process.env.FUZZ_STATS) console.log(counter.byStatus);
    expect(counter.n).toBeGreaterThanOrEqual(RUNS);
  }, 120_000);
});

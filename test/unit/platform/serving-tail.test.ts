import { tailCause, type TailFacts } from '../../../scripts/bench/serving-probes';

/** Facts of a paced phase on a quiet machine; each test changes what it is about. */
const quiet: TailFacts = {
  goalMs: 10,
  clientP99Ms: 6,
  clientP50Ms: 1.5,
  clientShareOverGoal: 0.004,
  fullSpeedP50Ms: 3,
  server: { requests: 10_000, over10msShare: 0.002, p50BucketMs: 1, p99BucketMs: 5 },
  pauses: { eventLoopP99Ms: 2, eventLoopMaxMs: 9, gcMs: 120, gcPauses: 80, gcPausesOver10ms: 0 },
  apiWait: { waitMsPerSecond: 3, meanWaitMs: 0.05 },
  generatorWait: { waitMsPerSecond: 2, meanWaitMs: 0.05 },
  redis: { p50Ms: 0.2, p99Ms: 0.8, maxMs: 2, samples: 2000 },
  sendLagP99Ms: 1,
  generatorLoopP99Ms: 1,
  load1: 0.5,
};

describe('the serving bench\'s p99_cause', () => {
  it('says the goal is met, with the facts', () => {
    expect(tailCause(quiet)).toMatch(/^goal met: client p99 6\.0 ms; in the API 0\.20% of requests took over 10 ms/);
  });

  it('calls a median far above full speed an overload, not a tail', () => {
    expect(tailCause({ ...quiet, clientP99Ms: 400, clientP50Ms: 140, clientShareOverGoal: 0.7 })).toMatch(/^overload, not a tail: the median answer took 140 ms against 3\.0 ms/);
  });

  it('puts the tail before the API reads a request when its handlers are rarely slow, naming a CPU-starved session', () => {
    const cause = tailCause({ ...quiet, clientP99Ms: 240, clientShareOverGoal: 0.34, server: { ...quiet.server, over10msShare: 0.035 }, apiWait: { waitMsPerSecond: 317, meanWaitMs: 0.2 } });
    expect(cause).toMatch(/^34\.0% of answers took over 10 ms at the client but only 3\.5% inside the API's handlers: most of the wait is before the API reads a request/);
    expect(cause).toMatch(/the kernel gives each busy session a share of the cores/);
  });

  it('blames Redis when the handlers are slow and Redis round trips are', () => {
    const cause = tailCause({ ...quiet, clientP99Ms: 30, clientShareOverGoal: 0.05, server: { ...quiet.server, over10msShare: 0.04 }, redis: { ...quiet.redis, p99Ms: 12 } });
    expect(cause).toMatch(/^inside the API's handlers \(4\.0% of requests over 10 ms there\): Redis round trips/);
  });
});

import { JOB_NAMES, PUBLIC_JOBS, QUEUE_OF, jobIdFor, jobNameFromId, parsePayload } from '../../../jobs/catalogue';
import { nightlyFlow } from '../../../jobs/client/flows';
import { handlers } from '../../../jobs/handlers';

describe('job catalogue', () => {
  it('has exactly one handler per job', () => {
    expect(Object.keys(handlers).sort()).toEqual([...JOB_NAMES].sort());
  });

  it('makes ids BullMQ accepts and reads the job name back from them', () => {
    for (const name of JOB_NAMES) {
      const id = jobIdFor(name, 'a:b/1');
      expect(id).not.toMatch(/:/);
      expect(id).not.toMatch(/^\d+$/);
      expect(jobNameFromId(id)).toBe(name);
    }
    expect(jobNameFromId('score-all-users-x')).toBe('score-all-users');
    expect(jobNameFromId('42')).toBeNull();
  });

  it('validates payloads and names the bad field', () => {
    const ok = parsePayload('train', { k: 20 });
    expect(ok.success).toBe(true);
    const bad = parsePayload('train', { k: -1 });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.path).toEqual(['k']);
    expect(parsePayload('ingest', {}).success).toBe(false);
  });

  it('exposes the five batch jobs publicly, each on its own queue', () => {
    expect([...PUBLIC_JOBS]).toEqual(['ingest', 'preprocess', 'train', 'score-all-users', 'segment']);
    expect(new Set(PUBLIC_JOBS.map((j) => QUEUE_OF[j])).size).toBe(5);
  });

  it('chains the nightly flow bottom-up with deterministic ids and a failure policy on every child', () => {
    const root = nightlyFlow({ withIngest: { file: 'x.csv', dir: 'uploads', mapping: 'generic' } }, 'n1');
    const chain: string[] = [];
    for (let n: typeof root | undefined = root; n; n = n.children?.[0]) {
      chain.push(n.name);
      expect(n.opts?.jobId).toBe(`${n.name}-n1`);
      expect(n.opts?.failParentOnFailure).toBe(true);
    }
    expect(chain).toEqual(['segment', 'score-all-users', 'train', 'preprocess', 'ingest']);
  });
});

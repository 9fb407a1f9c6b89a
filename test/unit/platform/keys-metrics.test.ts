import { hashKey, keyIdOf, matchesHash, newKey } from '../../../api/keys/secret';
import { KeyStore } from '../../../api/keys/store';
import { flattenMetrics, mergeExpositions } from '../../../api/metrics';
import { loadConfig } from '../../../config';
import { createLogger, memoryDestination } from '../../../config/logger';
import type { ActiveApiKey } from '../../../db/repositories/api-keys';
import { parseKeysArgs } from '../../../scripts/keys';
import { UsageError } from '../../../scripts/lib/key-admin';
import { parseExposition } from '../../helpers/prometheus';

describe('managed key format (issue 12)', () => {
  it('makes 256-bit random keys with a public id, and matches only the exact key by its SHA-256', () => {
    const a = newKey();
    const b = newKey();
    expect(a.key).toMatch(/^si_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(a.key).not.toBe(b.key);
    expect(keyIdOf(a.key)).toBe(a.id);
    expect(a.hash).toHaveLength(32);
    expect(matchesHash(a.key, a.hash)).toBe(true);
    expect(matchesHash(b.key, a.hash)).toBe(false);
    expect(matchesHash(`${a.key}x`, a.hash)).toBe(false);
    expect(hashKey(a.key).equals(a.hash)).toBe(true);
    for (const notManaged of ['dev-ops-key', `si_${a.id}_short`, `${a.key} `, `SI_${a.key.slice(3)}`]) expect(keyIdOf(notManaged)).toBeNull();
  });
});

describe('the key store', () => {
  const made = newKey();
  const rows = (): ActiveApiKey[] => [{ id: made.id, name: 'shop-site', scopes: ['read', 'retired-scope'], hash: made.hash }];

  it('accepts API_KEYS and managed keys, drops scopes it does not know, and keeps its keys when a reload fails', async () => {
    const sink = memoryDestination();
    let fail = false;
    const store = new KeyStore([{ key: 'env-key-123456', scopes: ['read', 'ops'] }], () => (fail ? Promise.reject(new Error('mysql down')) : Promise.resolve(rows())), createLogger({ LOG_LEVEL: 'info' }, 'api', sink));
    expect(store.find(made.key)).toBeUndefined();
    await store.reload();
    expect(store.find(made.key)).toEqual({ id: made.id, name: 'shop-site', scopes: ['read'], source: 'db' });
    expect(store.find('env-key-123456')).toEqual({ id: 'env:1', name: 'API_KEYS', scopes: ['read', 'ops'], source: 'env' });
    expect(store.find('env-key-1234567')).toBeUndefined();
    expect(store.counts()).toEqual({ env: 1, db: 1 });
    fail = true;
    await store.reload();
    await store.reload();
    expect(store.find(made.key)?.source).toBe('db');
    expect(sink.records.filter((r) => r.level === 'warn')).toHaveLength(1); // once per outage, not once per reload
  });

  it('runs reloads asked for during one as one more reload afterwards', async () => {
    let calls = 0;
    const store = new KeyStore([], () => {
      calls += 1;
      return new Promise((resolve) => setTimeout(() => resolve(rows()), 20));
    }, createLogger({ LOG_LEVEL: 'silent' }, 'api'));
    void store.reload();
    void store.reload();
    void store.reload();
    await store.idle();
    expect(calls).toBe(2);
  });
});

describe('the key tool command line', () => {
  it('parses create, list and revoke, and answers --help', () => {
    expect(parseKeysArgs(['--help'])).toEqual({ command: 'help' });
    expect(parseKeysArgs(['create', '-h'])).toEqual({ command: 'help' });
    expect(parseKeysArgs(['create', '--name', 'shop site', '--scopes', 'read,jobs,read'])).toEqual({ command: 'create', name: 'shop site', scopes: ['read', 'jobs'] });
    expect(parseKeysArgs(['list'])).toEqual({ command: 'list', json: false });
    expect(parseKeysArgs(['list', '--json'])).toEqual({ command: 'list', json: true });
    expect(parseKeysArgs(['revoke', '0123456789abcdef'])).toEqual({ command: 'revoke', id: '0123456789abcdef' });
  });

  it('refuses unknown options and commands, and bad values, naming them', () => {
    const refused: [string[], RegExp][] = [
      [['list', '--all'], /Unknown option '--all'/],
      [['frobnicate'], /unknown command "frobnicate"/],
      [[], /a command is required/],
      [['create', '--scopes', 'read'], /--name is required/],
      [['create', '--name', 'x'], /--scopes is required/],
      [['create', '--name', 'x', '--scopes', 'read,god'], /unknown scope "god"/],
      [['create', '--name', 'x\u0000y', '--scopes', 'read'], /--name:/],
      [['list', '--name', 'x'], /list does not take --name/],
      [['revoke'], /16 hex characters/],
      [['revoke', 'si_0123456789abcdef_secret'], /16 hex characters/],
      [['create', '--name'], /argument missing|--name/],
    ];
    for (const [argv, message] of refused) {
      expect(() => parseKeysArgs(argv)).toThrow(UsageError);
      expect(() => parseKeysArgs(argv)).toThrow(message);
    }
  });
});

describe('metrics helpers', () => {
  it('merges BullMQ per-queue exports into one family each, valid for Prometheus', () => {
    const queue = (name: string): string =>
      [
        '# HELP bullmq_job_count Number of jobs in the queue by state',
        '# TYPE bullmq_job_count gauge',
        `bullmq_job_count{queue="${name}", state="waiting"} 2`,
        '# HELP bullmq_job_completed_total Total number of completed jobs',
        '# TYPE bullmq_job_completed_total counter',
        `bullmq_job_completed_total{queue="${name}"} 7`,
      ].join('\n');
    // Two raw exports side by side are refused; merged they parse.
    expect(() => parseExposition(`${queue('a')}\n${queue('b')}`.replace(/", /g, '",'))).toThrow(/second TYPE|two places/);
    const merged = mergeExpositions([queue('a'), queue('b')]);
    const samples = parseExposition(merged);
    expect(samples.map((s) => `${s.name}${JSON.stringify(s.labels)}=${s.value}`)).toEqual([
      'bullmq_job_count{"queue":"a","state":"waiting"}=2',
      'bullmq_job_count{"queue":"b","state":"waiting"}=2',
      'bullmq_job_completed_total{"queue":"a"}=7',
      'bullmq_job_completed_total{"queue":"b"}=7',
    ]);
    expect(merged).not.toMatch(/", /);
  });

  it('flattens a model\'s numeric metrics two levels deep, leaving out everything else', () => {
    expect(flattenMetrics({ for_you: { ndcg_at_20: 0.3, notes: 'x' }, intent: { auc: 0.7, bins: [1, 2] }, train_seconds: 9, nan: Number.NaN, fallbacks: ['a'] })).toEqual([
      ['for_you.ndcg_at_20', 0.3],
      ['intent.auc', 0.7],
      ['train_seconds', 9],
    ]);
  });
});

describe('API_KEYS with managed keys', () => {
  it('may be `none` (managed keys only, as in production); the development keys stay refused there', () => {
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: 'none' }).API_KEYS).toEqual([]);
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/dev-ops-key, dev-read-key are public/);
    expect(loadConfig({ API_KEYS: 'scrape-key-123:metrics,admin-key-123:admin' }).API_KEYS.map((k) => k.scopes)).toEqual([['metrics'], ['admin']]);
  });
});

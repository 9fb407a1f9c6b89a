import { ConfigError, databaseName, loadConfig } from '../../../config';

describe('config', () => {
  it('works with no settings at all (local defaults) and is frozen', () => {
    const c = loadConfig({});
    expect(c.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(c.WORKER_QUEUES).toEqual(['ingest', 'preprocess', 'train', 'score-shard', 'segment', 'control']);
    expect(c.API_KEYS[0]).toEqual({ key: 'dev-ops-key', scopes: ['read', 'jobs', 'ops'] });
    expect(Object.isFrozen(c)).toBe(true);
  });

  it('parses lists and numbers from strings', () => {
    const c = loadConfig({ WORKER_QUEUES: 'train, score-shard', TOP_K: '50', API_KEYS: 'abcdefgh12:read', EXCLUDED_ITEM_IDS: 'POST, DOT' });
    expect(c.WORKER_QUEUES).toEqual(['train', 'score-shard']);
    expect(c.TOP_K).toBe(50);
    expect(c.API_KEYS).toEqual([{ key: 'abcdefgh12', scopes: ['read'] }]);
    expect(c.EXCLUDED_ITEM_IDS).toEqual(['POST', 'DOT']);
  });

  it('lists every bad key at once', () => {
    let error: unknown;
    try {
      loadConfig({ REDIS_URL: 'not a url', TOP_K: '-3', WORKER_QUEUES: 'train,gpu', ML_BACKEND: 'cuda', NIGHTLY_CRON: 'nightly', API_KEYS: 'short:read' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const keys = (error as ConfigError).problems.map((p) => p.split(':')[0]?.split('.')[0]);
    expect(keys).toEqual(expect.arrayContaining(['REDIS_URL', 'TOP_K', 'WORKER_QUEUES', 'ML_BACKEND', 'NIGHTLY_CRON', 'API_KEYS']));
    expect((error as ConfigError).message).toMatch(/Invalid configuration/);
  });

  it('refuses the public development keys in production, naming them', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/API_KEYS: dev-ops-key, dev-read-key are public/);
    expect(() => loadConfig({ NODE_ENV: 'production', API_KEYS: 'prod-key-0123456789:read,dev-read-key:read' })).toThrow(/dev-read-key is public/);
    expect(loadConfig({ NODE_ENV: 'production', API_KEYS: 'prod-key-0123456789:read+jobs' }).API_KEYS).toEqual([{ key: 'prod-key-0123456789', scopes: ['read', 'jobs'] }]);
  });

  it('treats empty strings as unset', () => {
    expect(loadConfig({ API_PORT: '' }).API_PORT).toBe(3000);
  });

  it('refuses database names that could break SQL', () => {
    expect(databaseName('mysql://root:@127.0.0.1:3306/shop_1')).toBe('shop_1');
    expect(() => databaseName('mysql://root:@127.0.0.1:3306/shop-1;drop')).toThrow(ConfigError);
  });
});

import { loadConfig } from '../../../config';
import { createLogger, hideUrlPasswords, memoryDestination } from '../../../config/logger';

describe('structured logs (issue 12)', () => {
  it('writes JSON lines with an ISO timestamp, the level as a word and the service', () => {
    const sink = memoryDestination();
    createLogger({ LOG_LEVEL: 'info' }, 'worker', sink).child({ jobId: 'train-1', queue: 'train' }).info('fitting');
    expect(sink.records).toEqual([expect.objectContaining({ level: 'info', service: 'worker', jobId: 'train-1', queue: 'train', msg: 'fitting', pid: process.pid })]);
    expect(new Date(String(sink.records[0]?.time)).toISOString()).toBe(sink.records[0]?.time);
  });

  it('honours LOG_LEVEL, silent included', () => {
    for (const [level, expected] of [['debug', 4], ['info', 3], ['warn', 2], ['error', 1], ['silent', 0]] as const) {
      const sink = memoryDestination();
      const log = createLogger(loadConfig({ LOG_LEVEL: level }), 'api', sink);
      log.debug('d');
      log.info('i');
      log.warn('w');
      log.error('e');
      expect(sink.records).toHaveLength(expected);
    }
  });

  it('never writes keys, cookies or passwords: redacted fields, URL passwords cut from messages and errors', () => {
    const sink = memoryDestination();
    const log = createLogger({ LOG_LEVEL: 'info' }, 'api', sink);
    log.info({ req: { headers: { authorization: 'Bearer si_abc', 'x-api-key': 'k-123456789', cookie: 'sid=1', accept: '*/*' } } }, 'a request');
    log.info({ config: { MYSQL_URL: 'mysql://root:pw1@db/x', API_KEYS: [{ key: 'k-987654321' }], TOP_K: 20 } }, 'settings');
    log.info({ key: 'raw-key-value', password: 'pw2' }, 'fields');
    log.warn('could not reach mysql://shop:hunter2@db:3306/shop (ECONNREFUSED)');
    log.error({ err: new Error('login failed for redis://:s3cret@cache:6379') }, 'redis down');
    const text = sink.records.map((r) => JSON.stringify(r)).join('\n');
    for (const secret of ['si_abc', 'k-123456789', 'sid=1', 'pw1', 'k-987654321', 'raw-key-value', 'pw2', 'hunter2', 's3cret']) expect(text).not.toContain(secret);
    expect(text).toContain('mysql://shop:***@db:3306/shop');
    expect(sink.records[0]).toMatchObject({ req: { headers: { accept: '*/*', authorization: '[redacted]' } } });
    expect(sink.records[1]).toMatchObject({ config: { TOP_K: 20, MYSQL_URL: '[redacted]' } });
  });

  it('cuts only the password out of URLs', () => {
    expect(hideUrlPasswords('mysql://shopintent_ro:shopintent_ro_pw@127.0.0.1:3306/db and http://example.com/a:b@c')).toBe('mysql://shopintent_ro:***@127.0.0.1:3306/db and http://example.com/a:b@c');
    expect(hideUrlPasswords('mysql://root:@127.0.0.1/x')).toBe('mysql://root:***@127.0.0.1/x');
    expect(hideUrlPasswords('no url here')).toBe('no url here');
  });
});

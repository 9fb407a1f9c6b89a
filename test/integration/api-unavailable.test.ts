import request from 'supertest';
import { createApp } from '../../api/app';
import { openServingCache } from '../../api/serving-cache';
import { createDb } from '../../db/knex';
import { openQueues } from '../../jobs/client/queues';
import { createRedis } from '../../jobs/client/redis';
import { createLogger } from '../../config/logger';
import { testConfig } from '../helpers/env';

describe('API when its backing services are down', () => {
  // Nothing listens on these ports: the API must answer 503 with the error shape, not hang or leak a stack.
  const config = testConfig('api_down', { REDIS_URL: 'redis://127.0.0.1:1', MYSQL_READONLY_URL: 'mysql://ro:ro@127.0.0.1:1/none', API_KEYS: 'down-key-123:read+jobs+ops' });
  const readDb = createDb(config.MYSQL_READONLY_URL, 1);
  const redis = createRedis(config.REDIS_URL, 'api');
  redis.on('error', () => undefined); // refused connections are the point of this test
  const queues = openQueues(config, redis);
  const serving = openServingCache(config, readDb, redis);
  const app = createApp({ config, readDb, redis, queues, cache: serving.cache, log: createLogger({ LOG_LEVEL: 'silent' }, 'api') });

  afterAll(async () => {
    serving.close();
    await queues.close().catch(() => undefined);
    redis.disconnect();
    await readDb.destroy();
  });

  it('reports not ready, and 503 for reads and enqueues', async () => {
    const ready = await request(app).get('/readyz').expect(503);
    expect(ready.body.status).toBe('not ready');
    const read = await request(app).get('/v1/segments').set('X-API-Key', 'down-key-123').expect(503);
    expect(read.body.error.code).toBe('unavailable');
    const enqueue = await request(app).post('/v1/jobs/segment').set('X-API-Key', 'down-key-123').send({}).expect(503);
    expect(enqueue.body.error).toEqual({ code: 'unavailable', message: expect.stringMatching(/retry later/) });
    await request(app).get('/v1/jobs/segment-x').set('X-API-Key', 'down-key-123').expect(503);
    const recs = await request(app).get('/v1/users/u1/recommendations').set('X-API-Key', 'down-key-123').expect(503);
    expect(recs.body.error.code).toBe('unavailable');
  });
});

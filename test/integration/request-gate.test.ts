import { randomBytes } from 'node:crypto';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { SharedLimit } from '../../api/rate-limits';
import { RequestGate } from '../../api/request-gate';
import { createRedis } from '../../jobs/client/redis';

const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/**
 * A TCP proxy in front of the real Redis that can stop forwarding (a hung Redis: the connection stays up and
 * nothing comes back), which the gate must survive by answering from its in-process counters.
 */
async function hangableProxy(): Promise<{ url: string; hang(): void; close(): Promise<void> }> {
  const target = new URL(REDIS_URL);
  const sockets: Socket[] = [];
  let hung = false;
  const server: Server = createServer((client) => {
    const upstream = connect(Number(target.port || 6379), target.hostname);
    sockets.push(client, upstream);
    client.on('data', (d) => void (hung || upstream.write(d)));
    upstream.on('data', (d) => void (hung || client.write(d)));
    client.on('error', () => upstream.destroy());
    upstream.on('error', () => client.destroy());
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `redis://127.0.0.1:${port}`,
    hang: () => (hung = true),
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

describe('RequestGate: every request\'s limits in one Redis call per event-loop turn (real Redis)', () => {
  const prefix = `t_gate_${randomBytes(3).toString('hex')}`;
  let redis: Redis;
  const opened: Redis[] = [];
  const limits = (r: Redis, points: { address: number; key: number; failures: number }) => ({
    address: new SharedLimit(r, `${prefix}:ratelimit:address`, { points: points.address, seconds: 1 }),
    key: new SharedLimit(r, `${prefix}:ratelimit:key`, { points: points.key, seconds: 1 }),
    authFailures: new SharedLimit(r, `${prefix}:ratelimit:auth-failures`, { points: points.failures, seconds: 600 }),
  });

  beforeAll(async () => {
    redis = createRedis(REDIS_URL, 'api');
    await new Promise((resolve) => redis.once('ready', resolve));
  });
  afterAll(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    for (const r of opened) r.disconnect();
    redis.disconnect();
  });

  it('counts concurrent requests exactly, in one script call for all of them, and shares counters across processes', async () => {
    const l = limits(redis, { address: 30, key: 1000, failures: 5 });
    const gate = new RequestGate(redis, l, 250);
    // A second "process": its own connection and gate, the same counters.
    const other = createRedis(REDIS_URL, 'api');
    opened.push(other);
    await new Promise((resolve) => other.once('ready', resolve));
    const otherGate = new RequestGate(other, limits(other, { address: 30, key: 1000, failures: 5 }), 250);
    const sent = jest.spyOn(redis, 'sendCommand');
    const answers = await Promise.all(Array.from({ length: 40 }, () => gate.check('203.0.113.1', 'key-a', true)));
    // One script call (ioredis writes the first one on a connection as EVAL, later ones as EVALSHA).
    const scriptCalls = sent.mock.calls.filter(([cmd]) => ['evalsha', 'eval'].includes(cmd.name)).map(([cmd]) => cmd.name);
    sent.mockRestore();
    expect(scriptCalls).toHaveLength(1);
    expect(answers.filter((a) => a.addressWait === 0)).toHaveLength(30);
    expect(answers.filter((a) => a.addressWait > 0).every((a) => a.addressWait <= 1000)).toBe(true);
    expect(answers.every((a) => a.keyWait === 0 && a.failures.points === 0)).toBe(true);
    // The other process finds the address's budget used up, and its key counter where this one left it.
    const fromOther = await otherGate.check('203.0.113.1', 'key-a', false);
    expect(fromOther.addressWait).toBeGreaterThan(0);
    expect(Number(await redis.get(`${prefix}:ratelimit:key:key-a`))).toBe(41);
  });

  it('reads the failed-key count that rate-limiter-flexible keeps, without taking a point, and refuses a throttled address from memory', async () => {
    const l = limits(redis, { address: 1000, key: 1000, failures: 3 });
    const gate = new RequestGate(redis, l, 250);
    const address = '198.51.100.7';
    expect((await gate.check(address, 'k', true)).failures.points).toBe(0);
    for (let i = 0; i < 3; i++) await l.authFailures.take(address);
    const throttled = await gate.check(address, 'k', true);
    expect(throttled.failures.points).toBe(3);
    expect(throttled.failures.msLeft).toBeGreaterThan(590_000);
    expect(Number(await redis.get(`${prefix}:ratelimit:auth-failures:${address}`))).toBe(3);
    // Known over now: answered without Redis, and without counting the address.
    const before = Number(await redis.get(`${prefix}:ratelimit:address:${address}`));
    const sent = jest.spyOn(redis, 'sendCommand');
    expect((await gate.check(address, 'k', true)).failures.points).toBe(3);
    expect(sent).not.toHaveBeenCalled();
    sent.mockRestore();
    expect(Number(await redis.get(`${prefix}:ratelimit:address:${address}`))).toBe(before);
    // A request without a key is no guess: the throttle is not looked at for it.
    expect((await gate.check(address, null, false)).failures.points).toBe(0);
  });

  it('answers from in-process counters when Redis hangs (after the timeout) or is not connected, still limiting', async () => {
    const proxy = await hangableProxy();
    // Disconnected below, once (a second disconnect would wait for a close that already happened).
    const hanging = createRedis(proxy.url, 'api');
    hanging.on('error', () => undefined);
    try {
      await new Promise((resolve) => hanging.once('ready', resolve));
      const gate = new RequestGate(hanging, limits(hanging, { address: 3, key: 1000, failures: 5 }), 100);
      proxy.hang();
      const t0 = Date.now();
      const answers = await Promise.all(Array.from({ length: 5 }, () => gate.check('192.0.2.9', 'key-h', true)));
      expect(Date.now() - t0).toBeLessThan(1000);
      expect(answers.map((a) => a.addressWait > 0)).toEqual([false, false, false, true, true]);
    } finally {
      const ended = new Promise((resolve) => hanging.once('end', resolve));
      hanging.disconnect();
      await proxy.close();
      await ended;
    }
    // Never connected (as while the API's connection is down): no Redis call is even tried.
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, enableOfflineQueue: false });
    opened.push(down);
    const gate = new RequestGate(down, limits(down, { address: 2, key: 1000, failures: 5 }), 100);
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await gate.check('192.0.2.10', 'key-d', true));
    expect(answers.map((a) => a.addressWait > 0)).toEqual([false, false, true]);
  });
});

import { isIPv4, isIPv6 } from 'node:net';
import type { RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import type { Config } from '../config';
import { ApiError } from './errors';
import { RequestGate } from './request-gate';

/** A limiter call that takes longer than this (Redis hung, not down) falls back to the in-process limiter. */
const REDIS_TIMEOUT_MS = 250;

/** A per-process fallback for a limit, also used while Redis is unreachable (the API's connection fails fast). */
type Limit = { points: number; seconds: number };

/** A bounded map of keys to a time (epoch ms) until which something holds for them. */
class Until {
  private readonly map = new Map<string, number>();
  /** ms left for `key` (0: nothing held) */
  left(key: string, now = Date.now()): number {
    const until = this.map.get(key) ?? 0;
    return until > now ? until - now : 0;
  }
  set(key: string, ms: number, now = Date.now()): void {
    if (this.map.size >= 10_000) this.map.clear();
    this.map.set(key, now + ms);
  }
}

/**
 * One counter over all API processes (Redis), with an in-memory stand-in while Redis is down or slow so serving
 * reads keep working. take() counts one request on its own; api/request-gate.ts counts the address, the key and
 * the failed-key check of every request in one script call over the same counters (same keys, same values), and
 * falls back to this limit's in-process counters with takeLocal() and usedLocal().
 */
export class SharedLimit {
  private readonly limiter: RateLimiterAbstract;
  private readonly insurance: RateLimiterMemory;
  /** keys known to be over the limit, and until when: a flood of them costs no Redis calls (bounded) */
  private readonly over = new Until();
  constructor(
    redis: Redis,
    readonly prefix: string,
    readonly limit: Limit,
  ) {
    this.insurance = new RateLimiterMemory({ points: limit.points, duration: limit.seconds });
    const redisLimiter = new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: prefix,
      points: limit.points,
      duration: limit.seconds,
      rejectIfRedisNotReady: true,
      // Once a key is over its limit this process refuses it from memory until the window ends: a flood costs no Redis calls.
      inMemoryBlockOnConsumed: limit.points + 1,
      insuranceLimiter: this.insurance,
    });
    this.limiter = new RLWrapperTimeouts({ limiter: redisLimiter, timeoutMs: REDIS_TIMEOUT_MS, insuranceLimiter: this.insurance });
  }

  /** The Redis key of `key`'s counter (rate-limiter-flexible's layout: prefix, colon, key). */
  redisKey(key: string): string {
    return `${this.prefix}:${key}`;
  }

  /** Counts one request for `key`; resolves to the ms to wait when that went over the limit, else 0. */
  async take(key: string, points = 1): Promise<number> {
    try {
      await this.limiter.consume(key, points);
      return 0;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(err.msBeforeNext, 1);
      throw err;
    }
  }

  /** Counts one request for `key` in this process only (Redis down or slow); the ms to wait when over, else 0. */
  async takeLocal(key: string): Promise<number> {
    try {
      await this.insurance.consume(key, 1);
      return 0;
    } catch (err) {
      if (err instanceof RateLimiterRes) return Math.max(err.msBeforeNext, 1);
      throw err;
    }
  }

  /** `key`'s use in this process's counters (Redis down or slow), without taking a point. */
  async usedLocal(key: string): Promise<{ points: number; msLeft: number }> {
    const res = await this.insurance.get(key);
    return res ? this.seen(key, res.consumedPoints, res.msBeforeNext) : { points: 0, msLeft: 0 };
  }

  /** The ms `key` is known (in this process) to stay over the limit; 0 when not known to be over. */
  knownOver(key: string): number {
    return this.over.left(key);
  }

  /** Notes a count read from Redis for `key` (an over-limit key is then answered from memory) and returns it. */
  seen(key: string, points: number, msLeft: number): { points: number; msLeft: number } {
    if (points >= this.limit.points && msLeft > 0) this.over.set(key, msLeft);
    return { points, msLeft };
  }
}

/** The counter key for a client address: IPv4 as is, IPv6 by its /64 (one host usually holds a whole /64). */
export function addressKey(ip: string | undefined): string {
  if (!ip) return 'unknown';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip);
  if (mapped?.[1]) return mapped[1];
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return 'unknown';
  const [head = '', tail = ''] = ip.toLowerCase().split('%')[0]?.split('::') ?? [];
  const left = head ? head.split(':') : [];
  const right = ip.includes('::') && tail ? tail.split(':') : [];
  const groups = ip.includes('::') ? [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

/** Every limit of the API, built once per app over the API's Redis connection. */
export interface Limits {
  address: SharedLimit | null;
  key: SharedLimit | null;
  enqueue: SharedLimit | null;
  authFailures: SharedLimit | null;
  /** the address limit, the key limit and the failed-key check of each request, in one Redis call */
  gate: RequestGate;
}

/** Builds the configured limits; a limit set to 0 is off (null). Counters live under the queue prefix. */
export function createLimits(config: Readonly<Config>, redis: Redis): Limits {
  const make = (name: string, points: number, seconds: number): SharedLimit | null =>
    points > 0 ? new SharedLimit(redis, `${config.QUEUE_PREFIX}:ratelimit:${name}`, { points, seconds }) : null;
  const address = make('address', config.RATE_LIMIT_ADDRESS_PER_SECOND, 1);
  const key = make('key', config.RATE_LIMIT_KEY_PER_SECOND, 1);
  const authFailures = make('auth-failures', config.RATE_LIMIT_AUTH_FAILURES, config.RATE_LIMIT_AUTH_WINDOW_SECONDS);
  return { address, key, authFailures, enqueue: make('enqueue', config.RATE_LIMIT_ENQUEUE_PER_MINUTE, 60), gate: new RequestGate(redis, { address, key, authFailures }, REDIS_TIMEOUT_MS) };
}

/** A 429 with Retry-After (whole seconds, at least 1). */
export function tooMany(res: Response, msLeft: number, message: string): ApiError {
  res.setHeader('Retry-After', String(Math.max(1, Math.ceil(msLeft / 1000))));
  return new ApiError(429, 'rate_limited', message);
}

/** Per-key quota on the routes that enqueue work; mounted after authentication (which sets res.locals.apiKeyId). */
export function enqueueLimit(limits: Limits): RequestHandler {
  return async (_req, res, next) => {
    const keyId = res.locals.apiKeyId as string | undefined;
    const wait = limits.enqueue && keyId ? await limits.enqueue.take(keyId) : 0;
    next(wait > 0 ? tooMany(res, wait, `this API key has used its quota of ${limits.enqueue?.limit.points ?? 0} enqueues per minute; retry later`) : undefined);
  };
}

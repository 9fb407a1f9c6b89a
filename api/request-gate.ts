import type { Redis } from 'ioredis';

/**
 * The per-request part of a limit that the gate needs (api/rate-limits.ts SharedLimit): its Redis key layout,
 * its in-process stand-in, and what this process already knows to be over the limit.
 */
export interface GateLimit {
  readonly limit: { points: number; seconds: number };
  redisKey(key: string): string;
  takeLocal(key: string): Promise<number>;
  usedLocal(key: string): Promise<{ points: number; msLeft: number }>;
  knownOver(key: string): number;
  seen(key: string, points: number, msLeft: number): { points: number; msLeft: number };
}

/** What the gate found for one request. */
export interface GateResult {
  /** ms to wait when the address is over its limit, else 0 */
  addressWait: number;
  /** ms to wait when the key is over its limit, else 0 (0 too when no key was presented) */
  keyWait: number;
  /** the address's failed-key count in the current window and the ms until that window ends */
  failures: { points: number; msLeft: number };
}

const NO_FAILURES = { points: 0, msLeft: 0 };

/**
 * One script for a whole batch of requests. Per request (KEYS: address counter, key counter, failed-key counter;
 * ARGV after the two window lengths: a bit set of the parts to do) it counts the address and the key exactly as
 * rate-limiter-flexible's own script does (same keys, same values, so its consume() on the failed-key and enqueue
 * counters and this script share them), and reads the failed-key count without taking a point. Returns six
 * numbers per request: address count and ms left, key count and ms left, failures and ms left.
 */
const GATE_LUA = `
local aSec, kSec = ARGV[1], ARGV[2]
local out = {}
local function take(k, sec)
  redis.call('set', k, 0, 'EX', sec, 'NX')
  local c = redis.call('incrby', k, 1)
  local ttl = redis.call('pttl', k)
  if ttl == -1 then
    redis.call('expire', k, sec)
    ttl = 1000 * sec
  end
  return c, ttl
end
for i = 1, #ARGV - 2 do
  local bits = tonumber(ARGV[i + 2])
  local b = (i - 1) * 3
  local ac, at, kc, kt, fc, ft = 0, 0, 0, 0, 0, 0
  if bits % 2 == 1 then ac, at = take(KEYS[b + 1], aSec) end
  if math.floor(bits / 2) % 2 == 1 then kc, kt = take(KEYS[b + 2], kSec) end
  if math.floor(bits / 4) % 2 == 1 then
    local v = redis.call('get', KEYS[b + 3])
    if v then
      fc = tonumber(v)
      ft = redis.call('pttl', KEYS[b + 3])
    end
  end
  out[#out + 1] = ac
  out[#out + 1] = at
  out[#out + 1] = kc
  out[#out + 1] = kt
  out[#out + 1] = fc
  out[#out + 1] = ft
end
return out`;

const COMMAND = 'shopintentRequestGate';
const ADDRESS = 1;
const KEY = 2;
const FAILURES = 4;
/** Requests per script call at most. */
const BATCH_MAX = 256;

interface Pending {
  address: string;
  keyId: string | null;
  bits: number;
  /** parts answered from memory (known to be over) */
  known: GateResult;
  resolve(r: GateResult): void;
}

type GateCommand = (numKeys: number, ...args: string[]) => Promise<number[]>;

/**
 * The limits every request passes (per address, per key, and the failed-key throttle), in one Redis call for all
 * the requests that arrive in one turn of the event loop, instead of two or three calls (and a MULTI) per request:
 * the counters stay exact and shared by every API process, and a loaded process sends one command per batch.
 * While Redis is not ready, fails, or takes longer than `timeoutMs`, each limit falls back to its in-process
 * counters (as rate-limiter-flexible's insurance limiter does), so reads go on, limited per process.
 */
export class RequestGate {
  private queue: Pending[] = [];
  private scheduled = false;

  constructor(
    private readonly redis: Redis,
    private readonly limits: { address: GateLimit | null; key: GateLimit | null; authFailures: GateLimit | null },
    private readonly timeoutMs: number,
  ) {
    // numberOfKeys left out: every call says how many keys it passes (three per request).
    redis.defineCommand(COMMAND, { lua: GATE_LUA });
  }

  /** Counts the request against its address and key (`keyId`, null: none presented) and reads the failed-key count when `checkFailures`. */
  check(address: string, keyId: string | null, checkFailures: boolean): Promise<GateResult> {
    const { address: a, key: k, authFailures: f } = this.limits;
    const known: GateResult = { addressWait: 0, keyWait: 0, failures: NO_FAILURES };
    let bits = 0;
    if (a) {
      known.addressWait = a.knownOver(address);
      if (known.addressWait === 0) bits |= ADDRESS;
    }
    if (k && keyId !== null) {
      known.keyWait = k.knownOver(keyId);
      if (known.keyWait === 0) bits |= KEY;
    }
    if (f && checkFailures) {
      const left = f.knownOver(address);
      if (left > 0) known.failures = { points: f.limit.points, msLeft: left };
      else bits |= FAILURES;
    }
    // Refused from memory already (over the address limit, or a throttled address presenting a key), or nothing
    // left to ask: no Redis call, so a flood of refused requests costs none.
    if (bits === 0 || known.addressWait > 0 || known.failures.msLeft > 0) return Promise.resolve(known);
    return new Promise((resolve) => {
      this.queue.push({ address, keyId, bits, known, resolve });
      if (!this.scheduled) {
        this.scheduled = true;
        // setImmediate, not nextTick: requests read in the same poll phase (one per socket callback) share the call.
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const queued = this.queue;
    this.queue = [];
    // Bounded calls: a script holds Redis while it runs (a few µs a request).
    for (let i = 0; i < queued.length; i += BATCH_MAX) this.send(queued.slice(i, i + BATCH_MAX));
  }

  private send(batch: Pending[]): void {
    if (this.redis.status !== 'ready') {
      this.local(batch);
      return;
    }
    const { address: a, key: k, authFailures: f } = this.limits;
    const keys: string[] = [];
    const bits: string[] = [];
    for (const p of batch) {
      const addressKey = a ? a.redisKey(p.address) : p.address;
      keys.push(addressKey, k && p.keyId !== null ? k.redisKey(p.keyId) : addressKey, f ? f.redisKey(p.address) : addressKey);
      bits.push(String(p.bits));
    }
    let done = false;
    const timer = setTimeout(() => {
      done = true;
      this.local(batch);
    }, this.timeoutMs);
    const call = (this.redis as unknown as Record<string, GateCommand>)[COMMAND]!;
    call.call(this.redis, keys.length, ...keys, String(a?.limit.seconds ?? 1), String(k?.limit.seconds ?? 1), ...bits).then(
      (out) => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        batch.forEach((p, i) => p.resolve(this.answer(p, out.slice(i * 6, i * 6 + 6).map(Number))));
      },
      () => {
        clearTimeout(timer);
        if (done) return;
        done = true;
        this.local(batch);
      },
    );
  }

  /** One request's answer from the script's six numbers for it. */
  private answer(p: Pending, [ac = 0, at = 0, kc = 0, kt = 0, fc = 0, ft = 0]: number[]): GateResult {
    const { address: a, key: k, authFailures: f } = this.limits;
    const r: GateResult = { ...p.known };
    if (a && p.bits & ADDRESS) {
      a.seen(p.address, ac, at);
      r.addressWait = ac > a.limit.points ? Math.max(at, 1) : 0;
    }
    if (k && p.keyId !== null && p.bits & KEY) {
      k.seen(p.keyId, kc, kt);
      r.keyWait = kc > k.limit.points ? Math.max(kt, 1) : 0;
    }
    if (f && p.bits & FAILURES) r.failures = f.seen(p.address, fc, ft);
    return r;
  }

  /** Answers a batch from each limit's in-process counters (Redis not ready, failed or too slow). */
  private local(batch: Pending[]): void {
    const { address: a, key: k, authFailures: f } = this.limits;
    for (const p of batch) {
      void Promise.all([
        a && p.bits & ADDRESS ? a.takeLocal(p.address) : p.known.addressWait,
        k && p.keyId !== null && p.bits & KEY ? k.takeLocal(p.keyId) : p.known.keyWait,
        f && p.bits & FAILURES ? f.usedLocal(p.address) : p.known.failures,
      ]).then(
        ([addressWait, keyWait, failures]) => p.resolve({ addressWait, keyWait, failures }),
        // An in-memory counter does not fail; should it ever, the request is not held up by its limits.
        () => p.resolve(p.known),
      );
    }
  }
}

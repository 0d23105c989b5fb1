/**
 * The limiter in Redis: one Lua script per reservation, so parallel attempts on every instance
 * are counted one after the other. The script is `planReservation` (limits/policy.ts) step for
 * step; the contract tests run both against the same cases. Keys expire by themselves once
 * their window and block are over (Redis's own clock only bounds how long a key is kept).
 */
import type { Redis } from 'ioredis';
import type { LimitPolicy, LimitState, LimitStore, Reservation } from '../../limits/index.js';

const RESERVE = `
local now = tonumber(ARGV[1])
local free, window, base, max = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
local w = tonumber(redis.call('HGET', KEYS[1], 'w') or '0')
local b = tonumber(redis.call('HGET', KEYS[1], 'b') or '0')
if (f > 0 or b > 0) and b > now then return {0, f, tostring(w), tostring(b)} end
local failures, start = f + 1, w
if f == 0 or now - w >= window then failures, start = 1, now end
local over = failures - free
local delay = 0
if over > 0 then delay = math.min(max, base * 2 ^ math.min(over - 1, 30)) end
local blocked = 0
if delay > 0 then blocked = now + delay end
redis.call('HSET', KEYS[1], 'f', failures, 'w', start, 'b', blocked)
redis.call('PEXPIRE', KEYS[1], math.max(window, delay) + 1000)
return {1, failures, tostring(start), tostring(blocked)}`;

const REFUND = `
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
if f > 0 then redis.call('HSET', KEYS[1], 'f', f - 1) end
return 0`;

/** Creates the Redis limit store under `prefix`. */
export function createRedisLimitStore(redis: Redis, prefix: string): LimitStore {
  const key = (k: string) => `${prefix}l:${k}`;
  return {
    async getLimit(k) {
      const h = await redis.hgetall(key(k));
      if (h.f === undefined) return null;
      return { failures: Number(h.f), windowStartedAtMs: Number(h.w), blockedUntilMs: Number(h.b) };
    },
    async reserve(k, nowMs, policy: LimitPolicy): Promise<Reservation> {
      const [allowed, failures, start, blocked] = (await redis.eval(
        RESERVE,
        1,
        key(k),
        String(nowMs),
        String(policy.freeFailures),
        String(policy.windowMs),
        String(policy.baseDelayMs),
        String(policy.maxDelayMs),
      )) as [number, number, string, string];
      const state: LimitState = {
        failures: Number(failures),
        windowStartedAtMs: Number(start),
        blockedUntilMs: Number(blocked),
      };
      return allowed === 1
        ? { allowed: true, state, startedBlock: state.blockedUntilMs > nowMs }
        : { allowed: false, state, retryAfterMs: state.blockedUntilMs - nowMs };
    },
    async refund(k) {
      await redis.eval(REFUND, 1, key(k));
    },
    async deleteLimit(k) {
      await redis.del(key(k));
    },
    async markKnown(k, nowMs, untilMs) {
      await redis
        .multi()
        .hset(key(k), { f: 0, w: nowMs, b: untilMs })
        .pexpire(key(k), Math.max(1, untilMs - nowMs))
        .exec();
    },
    // Keys expire in Redis on their own.
    pruneLimits: async () => 0,
  };
}

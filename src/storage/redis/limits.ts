/**
 * The login limiter in Redis: one Lua script per failure, so concurrent failures all count on
 * every instance. The script is `planFailure` (limits/policy.ts) step for step; the contract
 * tests run both against the same cases.
 */
import type { Redis } from 'ioredis';
import type { LimitPolicy, LimitState, LimitStore } from '../../limits/index.js';

const RECORD_FAILURE = `
local now = tonumber(ARGV[1])
local free, window, base, max = tonumber(ARGV[2]), tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
local f = tonumber(redis.call('HGET', KEYS[1], 'f') or '0')
local w = tonumber(redis.call('HGET', KEYS[1], 'w') or '0')
local failures, start = f + 1, w
if f == 0 or now - w >= window then failures, start = 1, now end
local over = failures - free
local delay = 0
if over > 0 then delay = math.min(max, base * 2 ^ math.min(over - 1, 30)) end
local blocked = 0
if delay > 0 then blocked = now + delay end
redis.call('HSET', KEYS[1], 'f', failures, 'w', start, 'b', blocked)
redis.call('PEXPIRE', KEYS[1], math.max(window, delay) + 1000)
return {failures, tostring(start), tostring(blocked)}`;

/** Creates the Redis limit store under `prefix`. */
export function createRedisLimitStore(redis: Redis, prefix: string): LimitStore {
  const key = (k: string) => `${prefix}l:${k}`;
  return {
    async getLimit(k) {
      const h = await redis.hgetall(key(k));
      if (h.f === undefined) return null;
      return { failures: Number(h.f), windowStartedAtMs: Number(h.w), blockedUntilMs: Number(h.b) };
    },
    async recordFailure(k, nowMs, policy: LimitPolicy): Promise<LimitState> {
      const [failures, start, blocked] = (await redis.eval(
        RECORD_FAILURE,
        1,
        key(k),
        String(nowMs),
        String(policy.freeFailures),
        String(policy.windowMs),
        String(policy.baseDelayMs),
        String(policy.maxDelayMs),
      )) as [number, string, string];
      return {
        failures: Number(failures),
        windowStartedAtMs: Number(start),
        blockedUntilMs: Number(blocked),
      };
    },
    async deleteLimit(k) {
      await redis.del(key(k));
    },
  };
}

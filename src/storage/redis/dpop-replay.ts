/**
 * The DPoP replay cache in Redis, shared by every instance: one atomic `SET key 1 NX PX ttl` per
 * proof, so a proof used at one instance is refused at every other. The entry lives exactly as
 * long as the verifier says the proof could be accepted; Redis expires it by itself, and the
 * bound on its size is Redis's memory (one short key per proof in the window).
 */
import type { Redis } from 'ioredis';
import type { Clock } from '../../core/index.js';
import type { ReplayCache } from '../../dpop/index.js';
import { wrapUnavailable } from '../unavailable.js';
import type { RedisHandle } from './client.js';

/**
 * Creates the Redis replay cache under `prefix`. The TTL is counted on the injected clock (the
 * time the verifier decided by), never as an absolute time on Redis's clock.
 *
 * @example const replay = createRedisReplayCache(redis, 'gatehouse:', systemClock);
 */
export function createRedisReplayCache(redis: Redis, prefix: string, clock: Clock): ReplayCache {
  return {
    async claim(key, expiresAtMs) {
      const ttlMs = Math.max(1, Math.ceil(expiresAtMs - clock.nowMs()));
      return (await redis.set(`${prefix}dpop:${key}`, '1', 'PX', ttlMs, 'NX')) === 'OK';
    },
  };
}

/**
 * The replay cache every instance on this Redis shares, with Redis failures as
 * ERR_STORE_UNAVAILABLE (503): a proof is never accepted unclaimed.
 *
 * @example const replay = sharedReplayCache(storage.redis, clock);
 */
export function sharedReplayCache(handle: RedisHandle, clock: Clock): ReplayCache {
  return wrapUnavailable(createRedisReplayCache(handle.redis, handle.prefix, clock), 'redis');
}

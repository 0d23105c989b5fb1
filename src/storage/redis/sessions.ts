/**
 * Cookie sessions in Redis: one hash per session (expiring at the session's absolute end) and a
 * set of session ids per user. A revoked session is deleted, on every instance at once.
 * Token sessions (refresh-token families) stay in SQL, next to their refresh tokens.
 */
import type { Redis } from 'ioredis';
import { AuthError } from '../../core/index.js';
import type { SessionRecord, SessionStore } from '../../sessions/index.js';

const TOUCH = `
local last = redis.call('HGET', KEYS[1], 'lastUsedAt')
if last and tonumber(last) < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'lastUsedAt', ARGV[1]) end
return 0`;

const REVOKE = `
local user = redis.call('HGET', KEYS[1], 'userId')
if not user then return 0 end
redis.call('DEL', KEYS[1])
redis.call('SREM', ARGV[1] .. user, ARGV[2])
return 1`;

function toRecord(id: string, h: Record<string, string>): SessionRecord | null {
  if (h.userId === undefined) return null;
  return {
    id,
    userId: h.userId,
    kind: 'cookie',
    secretHash: h.secretHash ?? null,
    createdAtMs: Number(h.createdAt),
    lastUsedAtMs: Number(h.lastUsedAt),
    expiresAtMs: Number(h.expiresAt),
    userAgent: h.userAgent === undefined || h.userAgent === '' ? null : h.userAgent,
    ip: h.ip === undefined || h.ip === '' ? null : h.ip,
    revokedAtMs: null,
  };
}

/** Creates the Redis cookie-session store under `prefix`. */
export function createRedisSessionStore(redis: Redis, prefix: string): SessionStore {
  const sessionKey = (id: string) => `${prefix}s:${id}`;
  const userKey = (userId: string) => `${prefix}u:${userId}`;

  const find = async (id: string) => toRecord(id, await redis.hgetall(sessionKey(id)));

  return {
    async createSession(s) {
      if (s.kind !== 'cookie')
        throw new AuthError('ERR_CONFIG_INVALID', 'Redis holds cookie sessions only');
      // Redis expires by its own wall clock, we decide by the injected clock: give it the session's
      // remaining life (from creation), never an absolute time from our clock.
      const ttlMs = Math.max(1, s.expiresAtMs - s.createdAtMs);
      await redis
        .multi()
        .hset(sessionKey(s.id), {
          userId: s.userId,
          secretHash: s.secretHash ?? '',
          createdAt: s.createdAtMs,
          lastUsedAt: s.lastUsedAtMs,
          expiresAt: s.expiresAtMs,
          userAgent: s.userAgent ?? '',
          ip: s.ip ?? '',
        })
        .pexpire(sessionKey(s.id), ttlMs)
        .sadd(userKey(s.userId), s.id)
        .pexpire(userKey(s.userId), ttlMs, 'GT')
        .exec();
      // A new user set has no TTL for GT to compare with: give it one.
      await redis.pexpire(userKey(s.userId), ttlMs, 'NX');
    },
    findSession: find,
    async touchSession(id, nowMs) {
      await redis.eval(TOUCH, 1, sessionKey(id), String(nowMs));
    },
    async listUserSessions(userId, nowMs) {
      const ids = await redis.smembers(userKey(userId));
      const out: SessionRecord[] = [];
      for (const id of ids) {
        const record = await find(id);
        if (record === null) await redis.srem(userKey(userId), id);
        else if (record.expiresAtMs > nowMs) out.push(record);
      }
      return out.sort((a, b) => b.createdAtMs - a.createdAtMs);
    },
    async revokeSession(id) {
      return (await redis.eval(REVOKE, 1, sessionKey(id), `${prefix}u:`, id)) === 1;
    },
    async revokeUserSessions(userId, _nowMs, _reason, exceptId) {
      const revoked: string[] = [];
      for (const id of await redis.smembers(userKey(userId))) {
        if (id === exceptId) continue;
        if ((await redis.eval(REVOKE, 1, sessionKey(id), `${prefix}u:`, id)) === 1)
          revoked.push(id);
      }
      return revoked;
    },
    // Cookie sessions carry no access tokens, so they never need the access-token revocation list.
    listRevokedSince: async () => [],
    // Keys expire at the session's end; a revoked session is deleted at once.
    pruneSessions: async () => 0,
  };
}

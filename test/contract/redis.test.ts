/**
 * The Redis stores against the same expectations as the SQL ones: cookie sessions, the login
 * limiter (its Lua script must equal planReservation step for step), and the revocation feed.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createRevocationList } from '../../src/access/index.js';
import type { SessionRecord } from '../../src/sessions/store.js';
import { createCompositeSessionStore } from '../../src/storage/composite-sessions.js';
import { openRedis, type RedisHandle } from '../../src/storage/redis/client.js';
import { createRedisLimitStore } from '../../src/storage/redis/limits.js';
import { startRevocationFeed } from '../../src/storage/redis/revocation-feed.js';
import { createRedisSessionStore } from '../../src/storage/redis/sessions.js';
import { createSqlStores } from '../../src/storage/sql/index.js';
import { openSqlite } from '../../src/storage/sqlite/database.js';
import {
  deleteRedisPrefix,
  IN_CI,
  REDIS_URL,
  redisReachable,
  serviceGate,
} from '../support/services.js';
import { checkLimiterContract } from './limiter.js';

const reachable = await redisReachable();
const enabled = serviceGate('Redis', reachable);

if (IN_CI) {
  describe('services under CI', () => {
    it('Redis is reachable', () => {
      expect(reachable, `Redis at ${REDIS_URL}`).toBe(true);
    });
  });
}

// Redis expires keys by the wall clock, so these times are real ones.
const T = Date.now() - 60_000;
const cookieSession = (
  id: string,
  userId: string,
  extra: Partial<SessionRecord> = {},
): SessionRecord => ({
  id,
  userId,
  kind: 'cookie',
  secretHash: `hash-${id}`,
  createdAtMs: T,
  lastUsedAtMs: T,
  // Far enough ahead that Redis does not expire it during the test (PEXPIREAT is wall-clock).
  expiresAtMs: Date.now() + 3_600_000,
  userAgent: 'ua',
  ip: '127.0.0.1',
  revokedAtMs: null,
  ...extra,
});

describe.runIf(enabled)('Redis stores', () => {
  const prefix = `gh:test:${process.pid}:${Math.floor(Math.random() * 1e9)}:`;
  let handle: RedisHandle;
  beforeAll(async () => {
    handle = await openRedis(REDIS_URL, prefix);
  });
  afterAll(async () => {
    await handle.close();
    await deleteRedisPrefix(prefix);
  });

  it('cookie sessions: create, find, touch forward only, list, revoke one and all but one', async () => {
    const store = createRedisSessionStore(handle.redis, prefix);
    for (const id of ['c1', 'c2', 'c3']) await store.createSession(cookieSession(id, 'u1'));
    expect(await store.findSession('c1')).toEqual(
      cookieSession('c1', 'u1', {
        expiresAtMs: (await store.findSession('c1'))?.expiresAtMs as number,
      }),
    );
    await store.touchSession('c1', T + 100);
    await store.touchSession('c1', T + 50);
    expect((await store.findSession('c1'))?.lastUsedAtMs).toBe(T + 100);
    expect((await store.listUserSessions('u1', T)).map((s) => s.id).sort()).toEqual([
      'c1',
      'c2',
      'c3',
    ]);
    expect(await store.revokeSession('c1', T, 'logout')).toBe(true);
    expect(await store.revokeSession('c1', T, 'logout')).toBe(false);
    expect(await store.findSession('c1')).toBeNull();
    expect((await store.revokeUserSessions('u1', T, 'password_changed', 'c3')).sort()).toEqual([
      'c2',
    ]);
    expect((await store.listUserSessions('u1', T)).map((s) => s.id)).toEqual(['c3']);
    expect(await handle.redis.ttl(`${prefix}s:c3`)).toBeGreaterThan(3000);
    // Parallel revocations: each session is reported by the one call that ended it.
    for (const id of ['c4', 'c5']) await store.createSession(cookieSession(id, 'u1'));
    const reported = await Promise.all(
      Array.from({ length: 20 }, () => store.revokeUserSessions('u1', T, 'account_disabled')),
    );
    expect(reported.flat().sort()).toEqual(['c3', 'c4', 'c5']);
    await expect(
      store.createSession(cookieSession('t1', 'u1', { kind: 'token' })),
    ).rejects.toThrow();
  });

  it('composite: cookie sessions in Redis, token sessions in SQL, one view', async () => {
    const sqlite = await openSqlite(':memory:');
    try {
      const sql = createSqlStores(sqlite.db, 'sqlite');
      await sql.accounts.createUser({
        id: 'u2',
        email: 'u2@x.io',
        passwordHash: 'h',
        createdAtMs: T,
        updatedAtMs: T,
      });
      const store = createCompositeSessionStore(
        createRedisSessionStore(handle.redis, prefix),
        sql.sessions,
      );
      await store.createSession(cookieSession('c-cookie-a', 'u2'));
      await store.createSession({
        ...cookieSession('t-token-a', 'u2'),
        kind: 'token',
        secretHash: null,
        expiresAtMs: T + 86_400_000,
      });
      expect(await sqlite.db.selectFrom('sessions').select('id').execute()).toEqual([
        { id: 't-token-a' },
      ]);
      expect((await store.findSession('c-cookie-a'))?.kind).toBe('cookie');
      expect((await store.findSession('t-token-a'))?.kind).toBe('token');
      expect((await store.listUserSessions('u2', T)).map((s) => s.id).sort()).toEqual([
        'c-cookie-a',
        't-token-a',
      ]);
      expect((await store.revokeUserSessions('u2', T + 1, 'logout_global')).sort()).toEqual([
        'c-cookie-a',
        't-token-a',
      ]);
      expect(await store.listRevokedSince(T)).toEqual([{ id: 't-token-a', revokedAtMs: T + 1 }]);
    } finally {
      await sqlite.close();
    }
  });

  it('limiter: the Lua script equals planReservation step for step; of 100 parallel attempts exactly the free ones and one more pass', async () => {
    await checkLimiterContract(createRedisLimitStore(handle.redis, prefix), T, { prunes: false });
  });

  it('revocation feed: a revocation published by one instance reaches another', async () => {
    const listA = createRevocationList();
    const listB = createRevocationList();
    const channel = `${prefix}revocations`;
    const feedA = await startRevocationFeed(handle.redis, channel, { receive: listA.revoke });
    const feedB = await startRevocationFeed(handle.redis, channel, { receive: listB.revoke });
    try {
      feedA.publish('sid-1', T + 60_000);
      await vi.waitFor(() => expect(listB.isRevoked('sid-1', T)).toBe(true), {
        timeout: 2000,
        interval: 10,
      });
      expect(listB.isRevoked('sid-1', T + 60_000)).toBe(false);
      await handle.redis.publish(channel, 'not json');
      await handle.redis.publish(channel, JSON.stringify({ id: 5, untilMs: 'x' }));
      feedB.publish('sid-2', T + 1);
      await vi.waitFor(() => expect(listA.isRevoked('sid-2', T)).toBe(true), {
        timeout: 2000,
        interval: 10,
      });
      expect(listA.size).toBe(2);
    } finally {
      await feedA.close();
      await feedB.close();
    }
  });
});

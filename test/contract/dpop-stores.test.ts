/**
 * What DPoP needs from storage, on every backend: the nonce secret created once (first writer
 * wins, also when instances start together), the key a token session is bound to (migration
 * 0005), and the Redis replay cache (one atomic SET NX PX per proof, shared by connections).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFixedClock } from '../../src/core/clock.js';
import type { SessionRecord } from '../../src/sessions/store.js';
import { openPostgres } from '../../src/storage/postgres/database.js';
import { openRedis, type RedisHandle } from '../../src/storage/redis/client.js';
import { createRedisReplayCache, sharedReplayCache } from '../../src/storage/redis/dpop-replay.js';
import { createSqlStores } from '../../src/storage/sql/index.js';
import { openSqlite } from '../../src/storage/sqlite/database.js';
import type { Stores } from '../../src/storage/stores.js';
import {
  deleteRedisPrefix,
  dropSchema,
  POSTGRES_URL,
  postgresReachable,
  REDIS_URL,
  redisReachable,
  serviceGate,
  uniqueSchema,
} from '../support/services.js';

const T = 1_800_000_000_000;

interface Backend {
  readonly stores: Stores;
  /** A second set of stores on the same database (another instance). */
  readonly other: Stores;
  close(): Promise<void>;
}

const backends: Array<[string, boolean, () => Promise<Backend>]> = [
  [
    'sqlite',
    true,
    async () => {
      const h = await openSqlite(':memory:');
      const stores = createSqlStores(h.db, 'sqlite');
      return { stores, other: stores, close: h.close };
    },
  ],
  [
    'postgres',
    serviceGate('PostgreSQL', await postgresReachable()),
    async () => {
      const schema = uniqueSchema('gh_dpop_contract');
      const [a, b] = await Promise.all([
        openPostgres(POSTGRES_URL, { schema }),
        openPostgres(POSTGRES_URL, { schema }),
      ]);
      if (a === undefined || b === undefined) throw new Error('unreachable');
      return {
        stores: createSqlStores(a.db, 'postgres'),
        other: createSqlStores(b.db, 'postgres'),
        close: async () => {
          await a.close();
          await b.close();
          await dropSchema(schema);
        },
      };
    },
  ],
];

const tokenSession = (id: string, extra: Partial<SessionRecord> = {}): SessionRecord => ({
  id,
  userId: 'u1',
  kind: 'token',
  secretHash: null,
  createdAtMs: T,
  lastUsedAtMs: T,
  expiresAtMs: T + 86_400_000,
  userAgent: 'ua',
  ip: '127.0.0.1',
  revokedAtMs: null,
  clientId: 'gatehouse',
  ...extra,
});

describe.each(backends)('%s: DPoP storage', (_name, enabled, open) => {
  let backend: Backend;
  beforeAll(async () => {
    if (enabled) backend = await open();
  });
  afterAll(async () => {
    if (enabled) await backend.close();
  });

  it.runIf(enabled)(
    'the nonce secret: the first candidate is stored; every later or concurrent call gets it',
    async () => {
      const { stores, other } = backend;
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          (i % 2 === 0 ? stores : other).secrets.ensureNonceSecret(`candidate-${i}`, T + i),
        ),
      );
      expect(new Set(results).size).toBe(1);
      const winner = results[0] as string;
      expect(winner).toMatch(/^candidate-\d$/);
      expect(await other.secrets.ensureNonceSecret('late', T + 100)).toBe(winner);
      expect(await stores.secrets.ensureNonceSecret('later', T + 200)).toBe(winner);
    },
  );

  it.runIf(enabled)(
    'a token session keeps the DPoP key it is bound to; unbound ones read back null',
    async () => {
      const { stores } = backend;
      await stores.accounts.createUser({
        id: 'u1',
        email: 'dpop@x.io',
        passwordHash: '$argon2id$x',
        createdAtMs: T,
        updatedAtMs: T,
      });
      await stores.sessions.createSession(tokenSession('t-bound', { dpopJkt: 'j'.repeat(43) }));
      await stores.sessions.createSession(tokenSession('t-free'));
      expect((await stores.sessions.findSession('t-bound'))?.dpopJkt).toBe('j'.repeat(43));
      expect((await stores.sessions.findSession('t-free'))?.dpopJkt).toBeNull();
      const listed = await stores.sessions.listUserSessions('u1', T);
      expect(Object.fromEntries(listed.map((s) => [s.id, s.dpopJkt]))).toEqual({
        't-bound': 'j'.repeat(43),
        't-free': null,
      });
    },
  );
});

const redisEnabled = serviceGate('Redis', await redisReachable());

describe.runIf(redisEnabled)('Redis DPoP replay cache', () => {
  const prefix = `gh:test:dpop:${process.pid}:`;
  const handles: RedisHandle[] = [];
  beforeAll(async () => {
    handles.push(await openRedis(REDIS_URL, prefix), await openRedis(REDIS_URL, prefix));
  });
  afterAll(async () => {
    for (const handle of handles) await handle.close();
    await deleteRedisPrefix(prefix);
  });
  const at = (n: number) => handles[n] as RedisHandle;

  it('first claim wins; a claim through another connection (instance) is a replay', async () => {
    const clock = createFixedClock(T);
    const a = sharedReplayCache(at(0), clock);
    const b = sharedReplayCache(at(1), clock);
    expect(await a.claim('jkt.one', T + 60_000)).toBe(true);
    expect(await b.claim('jkt.one', T + 60_000)).toBe(false);
    expect(await a.claim('jkt.one', T + 60_000)).toBe(false);
    expect(await b.claim('jkt.two', T + 60_000)).toBe(true);
  });

  it('the entry expires after the time left on the injected clock, not at a time on Redis clock', async () => {
    const clock = createFixedClock(T);
    const cache = createRedisReplayCache(at(0).redis, prefix, clock);
    expect(await cache.claim('jkt.ttl', T + 90_000)).toBe(true);
    const ttl = await at(0).redis.pttl(`${prefix}dpop:jkt.ttl`);
    expect(ttl).toBeGreaterThan(85_000);
    expect(ttl).toBeLessThanOrEqual(90_000);
    // An instant already past still writes an entry (1 ms): never an error, never a pass.
    expect(await cache.claim('jkt.past', T - 5)).toBe(true);
    expect(await at(0).redis.pttl(`${prefix}dpop:jkt.past`)).toBeLessThanOrEqual(1);
  });

  it('of 30 concurrent claims of one key over two connections, exactly one wins', async () => {
    const clock = createFixedClock(T);
    const caches = [sharedReplayCache(at(0), clock), sharedReplayCache(at(1), clock)];
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        (caches[i % 2] as (typeof caches)[number]).claim('jkt.race', T + 60_000),
      ),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });
});

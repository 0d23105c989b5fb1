/**
 * Opens the configured storage and returns its stores: the SQLite file (the embedded default) or
 * PostgreSQL.
 */
import { createCompositeSessionStore } from './composite-sessions.js';
import { openPostgres } from './postgres/database.js';
import { openRedis, type RedisHandle } from './redis/client.js';
import { createRedisLimitStore } from './redis/limits.js';
import { createRedisSessionStore } from './redis/sessions.js';
import { createSqlStores } from './sql/index.js';
import { openSqlite } from './sqlite/database.js';
import type { Stores } from './stores.js';
import { withUnavailable, wrapUnavailable } from './unavailable.js';

export type DatabaseConfig =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string };

export interface OpenStorage {
  readonly stores: Stores;
  /** The Redis connection when Redis is configured (for the revocation feed). */
  readonly redis: RedisHandle | null;
  /** Migrations applied while opening. */
  readonly applied: readonly string[];
  close(): Promise<void>;
}

/** @throws AuthError ERR_STORE_UNAVAILABLE when the database (or Redis) cannot be opened or migrated */
export async function openStorage(
  database: DatabaseConfig,
  redisConfig: { url: string; prefix: string } | null = null,
): Promise<OpenStorage> {
  const sql =
    database.kind === 'postgres'
      ? await openPostgres(database.url).then((h) => ({
          stores: createSqlStores(h.db, 'postgres'),
          applied: h.applied,
          close: h.close,
        }))
      : await openSqlite(database.path).then((h) => ({
          stores: createSqlStores(h.db, 'sqlite'),
          applied: h.applied,
          close: h.close,
        }));
  if (redisConfig === null) return { ...sql, redis: null };
  let redis: RedisHandle;
  try {
    redis = await openRedis(redisConfig.url, redisConfig.prefix);
  } catch (error) {
    await sql.close();
    throw error;
  }
  return {
    stores: withRedis(sql.stores, redis),
    redis,
    applied: sql.applied,
    async close() {
      await redis.close();
      await sql.close();
    },
  };
}

/** The stores with cookie sessions and the limiter moved to Redis. */
export function withRedis(sql: Stores, handle: RedisHandle): Stores {
  const pingRedis = () => withUnavailable(async () => void (await handle.redis.ping()), 'redis');
  return {
    ...sql,
    sessions: createCompositeSessionStore(
      wrapUnavailable(createRedisSessionStore(handle.redis, handle.prefix), 'redis'),
      sql.sessions,
    ),
    limits: wrapUnavailable(createRedisLimitStore(handle.redis, handle.prefix), 'redis'),
    async ping() {
      await sql.ping();
      await pingRedis();
    },
    async health() {
      return {
        ...(await sql.health()),
        redis: await pingRedis().then(
          () => 'up' as const,
          () => 'down' as const,
        ),
      };
    },
  };
}

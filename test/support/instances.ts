/**
 * Two Gatehouse instances sharing one PostgreSQL schema, one Redis prefix (so revocations are
 * pushed between them by pub/sub) and one key ring, as two processes behind a load balancer would,
 * each listening on its own port.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFixedClock } from '../../src/core/clock.js';
import { createKeyRing, generateJwtKey } from '../../src/jwt/index.js';
import { createDummyHash } from '../../src/passwords/hash.js';
import { configFromEnv, type Env } from '../../src/server/config.js';
import { createServer, type GatehouseServer } from '../../src/server/create-server.js';
import { withRedis } from '../../src/storage/open.js';
import { openPostgres, type PostgresHandle } from '../../src/storage/postgres/database.js';
import { openRedis, type RedisHandle } from '../../src/storage/redis/client.js';
import { createSqlStores } from '../../src/storage/sql/index.js';
import { T0 } from './server.js';
import {
  deleteRedisPrefix,
  dropSchema,
  POSTGRES_URL,
  REDIS_URL,
  uniqueSchema,
} from './services.js';

export interface SharedInstances {
  readonly servers: readonly GatehouseServer[];
  /** The base URL each instance listens on. */
  readonly bases: readonly string[];
  readonly clock: ReturnType<typeof createFixedClock>;
  close(): Promise<void>;
}

/** Starts `count` instances on one fresh schema and Redis prefix; `close` drops both. */
export async function startSharedInstances(env: Env, count = 2): Promise<SharedInstances> {
  const schema = uniqueSchema('gh_shared');
  const prefix = `gh:test:${process.pid}:${Math.floor(Math.random() * 1e9)}:`;
  const config = configFromEnv({
    GATEHOUSE_ISSUER: 'https://auth.test',
    GATEHOUSE_DATABASE_URL: POSTGRES_URL,
    GATEHOUSE_REDIS_URL: REDIS_URL,
    // Mail as .eml files in a temporary directory, never ./data/outbox of the checkout.
    GATEHOUSE_MAIL_OUTBOX: join(tmpdir(), `gatehouse-test-outbox-${process.pid}`),
    ...env,
  });
  const clock = createFixedClock(T0);
  const keyRing = createKeyRing({ signingKey: generateJwtKey('ES256') });
  const dummyHash = await createDummyHash();
  const handles: Array<{ pg: PostgresHandle; redis: RedisHandle }> = [];
  const servers: GatehouseServer[] = [];
  const bases: string[] = [];
  for (let i = 0; i < count; i++) {
    const pg = await openPostgres(POSTGRES_URL, { schema });
    const redis = await openRedis(REDIS_URL, prefix);
    handles.push({ pg, redis });
    const server = await createServer({
      config,
      stores: withRedis(createSqlStores(pg.db, 'postgres'), redis),
      keyRing,
      dummyHash,
      redis,
      clock,
      logger: false,
    });
    servers.push(server);
    bases.push(await server.app.listen({ port: 0, host: '127.0.0.1' }));
  }
  return {
    servers,
    bases,
    clock,
    async close() {
      for (const server of servers) await server.app.close();
      for (const { pg, redis } of handles) {
        await pg.close();
        await redis.close();
      }
      await dropSchema(schema);
      await deleteRedisPrefix(prefix).catch(() => {});
    },
  };
}

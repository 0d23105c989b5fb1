/**
 * Real services for tests (never mocks). Outside CI a missing service skips its tests with a loud
 * notice; under CI=true it fails them instead.
 */
import pg from 'pg';

export const POSTGRES_URL =
  process.env.GATEHOUSE_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
export const IN_CI = process.env.CI === 'true';

export async function postgresReachable(): Promise<boolean> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 2000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Whether to run a service's tests; prints the notice when skipping. */
export function serviceGate(name: string, reachable: boolean): boolean {
  if (!reachable && !IN_CI) {
    console.warn(
      `\n*** ${name} is not reachable: its tests are SKIPPED. Start it (see README) or run under CI=true to fail instead. ***\n`,
    );
  }
  return reachable;
}

/** A fresh schema name for one test run. */
export function uniqueSchema(prefix: string): string {
  return `${prefix}_${process.pid}_${Math.floor(Math.random() * 1e9)}`;
}

/** Drops a test schema. */
export async function dropSchema(schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    await client.query(`drop schema if exists ${schema} cascade`);
  } finally {
    await client.end();
  }
}

export const REDIS_URL = process.env.GATEHOUSE_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

export async function redisReachable(url = REDIS_URL): Promise<boolean> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: 1500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  redis.on('error', () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** Deletes every key under a test prefix. */
export async function deleteRedisPrefix(prefix: string, url = REDIS_URL): Promise<void> {
  const { Redis } = await import('ioredis');
  const redis = new Redis(url);
  redis.on('error', () => {});
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/**
 * The backends a server-level suite runs on: SQLite always; PostgreSQL + Redis when both are
 * reachable (under CI=true they must be: the suite fails otherwise). Each entry is a name and the
 * createTestServer options that select it.
 */
export async function serverBackends(): Promise<
  ReadonlyArray<readonly [string, { postgres?: boolean; redisUrl?: string }]>
> {
  const reachable = serviceGate(
    'PostgreSQL and Redis',
    (await postgresReachable()) && (await redisReachable()),
  );
  if (IN_CI && !reachable) throw new Error('PostgreSQL and Redis must be reachable under CI=true');
  return [
    ['SQLite', {}],
    ...(reachable
      ? [['PostgreSQL + Redis', { postgres: true, redisUrl: REDIS_URL }] as const]
      : []),
  ];
}

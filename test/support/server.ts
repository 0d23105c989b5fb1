/** Builds a Gatehouse app for tests: real SQLite (memory or file), fixed clock, no logs. */

import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ClientRecord, GrantType } from '../../src/clients/index.js';
import { createFixedClock } from '../../src/core/clock.js';
import { generateJwtKey } from '../../src/jwt/index.js';
import { createKeyRing, type KeyRing } from '../../src/jwt/key-ring.js';
import { createFileTransport, type MailTransport } from '../../src/mail/index.js';
import { createDummyHash } from '../../src/passwords/hash.js';
import { configFromEnv, type Env, type ServerConfig } from '../../src/server/config.js';
import { createServer } from '../../src/server/create-server.js';
import type { GatehouseApp } from '../../src/server/http.js';
import type { BackgroundJobs } from '../../src/server/jobs.js';
import type { ServerContext } from '../../src/server/services.js';
import { hashSecret } from '../../src/sessions/index.js';
import { withRedis } from '../../src/storage/open.js';
import { openPostgres } from '../../src/storage/postgres/database.js';
import { openRedis, type RedisHandle } from '../../src/storage/redis/client.js';
import { createSqliteStores, createSqlStores } from '../../src/storage/sql/index.js';
import { openSqlite, type SqliteHandle } from '../../src/storage/sqlite/database.js';
import { deleteRedisPrefix, dropSchema, POSTGRES_URL, uniqueSchema } from './services.js';

let dummy: Promise<string> | undefined;

export const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

export interface TestServer {
  readonly app: GatehouseApp;
  readonly context: ServerContext;
  readonly clock: ReturnType<typeof createFixedClock>;
  readonly sqlite: SqliteHandle;
  readonly config: ServerConfig;
  readonly redis: RedisHandle | null;
  readonly jobs: BackgroundJobs;
  close(): Promise<void>;
}

export async function createTestServer(
  options: {
    env?: Env;
    path?: string;
    keyRing?: KeyRing;
    logger?: Record<string, unknown>;
    clock?: ReturnType<typeof createFixedClock>;
    /** Use PostgreSQL (a fresh schema, dropped on close; or a given URL as it is) instead of SQLite. */
    postgres?: boolean | { url: string };
    /** Put cookie sessions, the limiter and the revocation feed in Redis at this URL (fresh prefix). */
    redisUrl?: string;
    /** Where mail goes (default: the config's; its default directory becomes a temporary one). */
    mailTransport?: MailTransport;
    /** The custom-claims hook (a code option: no environment variable). */
    claims?: ServerConfig['claims'];
  } = {},
): Promise<TestServer> {
  const fromEnv = configFromEnv({ GATEHOUSE_ISSUER: 'https://auth.test', ...options.env });
  const config: ServerConfig =
    options.claims === undefined ? fromEnv : { ...fromEnv, claims: options.claims };
  const sqlite = await openSqlite(options.path ?? ':memory:');
  let stores = createSqliteStores(sqlite.db);
  let closePostgres = async () => {};
  if (options.postgres === true) {
    const schema = uniqueSchema('gh_server');
    const handle = await openPostgres(POSTGRES_URL, { schema });
    stores = createSqlStores(handle.db, 'postgres');
    closePostgres = async () => {
      await handle.close();
      await dropSchema(schema);
    };
  } else if (typeof options.postgres === 'object') {
    const handle = await openPostgres(options.postgres.url);
    stores = createSqlStores(handle.db, 'postgres');
    closePostgres = handle.close;
  }
  let redis: RedisHandle | null = null;
  if (options.redisUrl !== undefined) {
    redis = await openRedis(
      options.redisUrl,
      `gh:test:${process.pid}:${Math.floor(Math.random() * 1e9)}:`,
    );
    stores = withRedis(stores, redis);
  }
  const redisHandle = redis;
  dummy ??= createDummyHash();
  const clock = options.clock ?? createFixedClock(T0);
  const { app, context, jobs } = await createServer({
    redis: redisHandle,
    config,
    stores,
    keyRing: options.keyRing ?? createKeyRing({ signingKey: generateJwtKey('ES256') }),
    dummyHash: await dummy,
    clock,
    logger: options.logger ?? false,
    ...mailTransportFor(config, options.mailTransport),
  });
  return {
    app,
    context,
    clock,
    sqlite,
    config,
    redis: redisHandle,
    jobs,
    async close() {
      await app.close();
      await sqlite.close();
      await closePostgres();
      if (redisHandle !== null) {
        await redisHandle.close();
        await deleteRedisPrefix(redisHandle.prefix, options.redisUrl).catch(() => {});
      }
    },
  };
}

/**
 * The transport of a test server: the given one; else, when the config keeps the default outbox
 * directory (./data/outbox of the checkout), .eml files in a temporary directory instead.
 */
function mailTransportFor(
  config: ServerConfig,
  given: MailTransport | undefined,
): { mailTransport?: MailTransport } {
  if (given !== undefined) return { mailTransport: given };
  if (config.smtpUrl !== null || config.mailOutboxDir !== './data/outbox') return {};
  const dir = join(tmpdir(), `gatehouse-test-outbox-${process.pid}`);
  return {
    mailTransport: createFileTransport({ dir, from: config.mailFrom, log: { info() {} } }),
  };
}

export const json = (body: unknown) => ({
  'content-type': 'application/json',
  payload: JSON.stringify(body),
});

/** Signs up and logs in with the password grant; returns the token pair. */
export async function signupAndLogin(
  server: TestServer,
  email = 'user@example.com',
  password = 'correct horse battery',
) {
  const signup = await server.app.inject({
    method: 'POST',
    url: '/v1/signup',
    payload: { email, password },
  });
  if (signup.statusCode !== 201) throw new Error(`signup failed: ${signup.body}`);
  const login = await server.app.inject({
    method: 'POST',
    url: '/v1/token',
    payload: { grant_type: 'password', username: email, password },
  });
  if (login.statusCode !== 200) throw new Error(`login failed: ${login.body}`);
  return {
    user: signup.json() as { id: string; email: string },
    pair: login.json() as TokenPairBody,
    email,
    password,
  };
}

export interface TokenPairBody {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token: string;
  refresh_token_expires_in: number;
}

/**
 * Registers a client with a chosen id (the CLI draws random ids), as `gatehouse clients add` would
 * store it. Public unless a `secret` is given; grants default to password and refresh_token.
 */
export async function registerTestClient(
  server: Pick<TestServer, 'context'>,
  id: string,
  options: {
    secret?: string;
    grantTypes?: readonly GrantType[];
    scopes?: readonly string[];
    redirectUris?: readonly string[];
    postLogoutRedirectUris?: readonly string[];
  } = {},
): Promise<ClientRecord> {
  const client: ClientRecord = {
    id,
    name: id,
    type: options.secret === undefined ? 'public' : 'confidential',
    secretHash: options.secret === undefined ? null : hashSecret(options.secret),
    redirectUris: options.redirectUris ?? [],
    postLogoutRedirectUris: options.postLogoutRedirectUris ?? [],
    grantTypes: options.grantTypes ?? ['password', 'refresh_token'],
    scopes: options.scopes ?? [],
    createdAtMs: 0,
    updatedAtMs: 0,
  };
  if (!(await server.context.stores.clients.createClient(client)))
    throw new Error(`client ${id} exists`);
  return client;
}

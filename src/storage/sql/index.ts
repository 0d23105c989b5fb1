/**
 * The SQL implementations of every store interface, on Kysely, for SQLite and PostgreSQL alike
 * (one file per store). Atomic operations are single conditional statements or transactions with
 * row locks (FOR UPDATE on PostgreSQL; SQLite serialises writers). Any failure of the database
 * becomes ERR_STORE_UNAVAILABLE (the server answers 503); nothing here logs or returns a secret.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Stores } from '../stores.js';
import { withUnavailable, wrapUnavailable } from '../unavailable.js';
import { createSqlAccountStore } from './accounts.js';
import { createSqlAuthorizationCodeStore } from './authorization-codes.js';
import { createSqlClientStore, createSqlRoleStore } from './clients.js';
import type { SqlDialectName } from './dialect.js';
import { createSqlEmailTokenStore } from './email-tokens.js';
import { createSqlSecurityEventStore } from './events.js';
import { createSqlLimitStore } from './limits.js';
import { createSqlOutboxStore } from './outbox.js';
import { createSqlRefreshStore } from './refresh.js';
import { createSqlNonceSecretStore } from './server-secrets.js';
import { createSqlSessionStore } from './sessions.js';
import { createSqlSigningKeyStore } from './signing-keys.js';

export type { SqlDialectName } from './dialect.js';

/**
 * Creates the stores over a Kysely database of the given dialect.
 *
 * @example const stores = createSqlStores(handle.db, 'postgres');
 */
export function createSqlStores(db: Kysely<Database>, dialect: SqlDialectName): Stores {
  const ping = () =>
    withUnavailable(
      async () => void (await db.selectFrom('users').select('id').limit(1).execute()),
    );

  return {
    keys: wrapUnavailable(createSqlSigningKeyStore(db)),
    secrets: wrapUnavailable(createSqlNonceSecretStore(db)),
    accounts: wrapUnavailable(createSqlAccountStore(db)),
    clients: wrapUnavailable(createSqlClientStore(db)),
    roles: wrapUnavailable(createSqlRoleStore(db)),
    sessions: wrapUnavailable(createSqlSessionStore(db)),
    refresh: wrapUnavailable(createSqlRefreshStore(db, dialect)),
    limits: wrapUnavailable(createSqlLimitStore(db, dialect)),
    events: wrapUnavailable(createSqlSecurityEventStore(db)),
    outbox: wrapUnavailable(createSqlOutboxStore(db)),
    emailTokens: wrapUnavailable(createSqlEmailTokenStore(db)),
    codes: wrapUnavailable(createSqlAuthorizationCodeStore(db)),
    ping,
    health: async () => ({
      database: await ping().then(
        () => 'up' as const,
        () => 'down' as const,
      ),
    }),
  };
}

/**
 * The SQLite stores (the embedded default).
 *
 * @example const stores = createSqliteStores((await openSqlite(':memory:')).db);
 */
export const createSqliteStores = (db: Kysely<Database>): Stores => createSqlStores(db, 'sqlite');

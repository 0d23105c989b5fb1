/**
 * Secrets shared by every instance on one database (0005): the DPoP nonce secret. The first
 * instance to start writes its candidate; the primary key makes every later write a no-op, so
 * instances starting at once agree on the one that won.
 */
import type { Kysely } from 'kysely';
import type { NonceSecretStore } from '../../dpop/index.js';
import type { Database } from '../schema.js';

const DPOP_NONCE = 'dpop_nonce';

/**
 * Creates the nonce-secret store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const secrets = createSqlNonceSecretStore(db);
 */
export function createSqlNonceSecretStore(db: Kysely<Database>): NonceSecretStore {
  return {
    async ensureNonceSecret(candidate, nowMs) {
      await db
        .insertInto('server_secrets')
        .values({ name: DPOP_NONCE, secret: candidate, created_at: nowMs })
        .onConflict((oc) => oc.column('name').doNothing())
        .execute();
      const row = await db
        .selectFrom('server_secrets')
        .select('secret')
        .where('name', '=', DPOP_NONCE)
        .executeTakeFirstOrThrow();
      return row.secret;
    },
  };
}

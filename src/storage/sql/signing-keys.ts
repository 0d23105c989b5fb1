/**
 * Signing keys in SQL, shared by every instance. The unique 'initial' slot lets instances that
 * start at once agree on one first key; `activate_at` holds a rotated key's `signsFromMs`.
 */
import type { Kysely } from 'kysely';
import type { SigningKeyStore } from '../../jwt/index.js';
import type { Database } from '../schema.js';

/**
 * Creates the signing-key store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const keys = createSqlSigningKeyStore(db);
 */
export function createSqlSigningKeyStore(db: Kysely<Database>): SigningKeyStore {
  return {
    async listSigningKeys() {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('kid')
        .execute();
      return rows.map((r) => ({
        kid: r.kid,
        privateJwk: r.private_jwk,
        createdAtMs: Number(r.created_at),
        signsFromMs: r.activate_at === null ? null : Number(r.activate_at),
      }));
    },
    async addInitialSigningKey(key) {
      const result = await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          private_jwk: key.privateJwk,
          created_at: key.createdAtMs,
          slot: 'initial',
          activate_at: key.signsFromMs ?? null,
        })
        .onConflict((oc) => oc.column('slot').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async addSigningKey(key) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          private_jwk: key.privateJwk,
          created_at: key.createdAtMs,
          slot: null,
          activate_at: key.signsFromMs ?? null,
        })
        .execute();
    },
    async removeSigningKey(kid) {
      const result = await db.deleteFrom('signing_keys').where('kid', '=', kid).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}

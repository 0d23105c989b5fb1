/**
 * 0005_dpop: DPoP (RFC 9449, issue 11). `sessions.dpop_jkt` is the thumbprint of the key a token
 * session is bound to (its refresh tokens work only with proofs of that key; null: not bound, as
 * every session started before). `server_secrets` holds one row per named secret that every
 * instance on this database must share: the DPoP nonce secret, created once, by whichever instance
 * starts first. Readable by whoever can read the table, like the signing keys.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('sessions').addColumn('dpop_jkt', 'text').execute();
  await db.schema
    .createTable('server_secrets')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('secret', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .execute();
}

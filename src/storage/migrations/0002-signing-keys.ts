/**
 * 0002_signing_keys: the signing keys shared by every instance. Released: frozen, never edited
 * (databases have applied it under this name).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('signing_keys')
    .addColumn('kid', 'text', (c) => c.primaryKey())
    .addColumn('private_jwk', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    // 'initial' for the key made at first start; unique, so only one instance's key wins.
    .addColumn('slot', 'text', (c) => c.unique())
    .execute();
}

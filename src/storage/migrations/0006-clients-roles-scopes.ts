/**
 * 0006_clients_roles_scopes: the OAuth client registry (issue 12), roles per user, and the scopes
 * granted to a token session. `clients` holds registered clients only (the built-in public
 * clients have no row); list columns are JSON arrays of strings; `secret_hash` is the SHA-256 of a
 * 256-bit secret (null for public clients). `user_roles` has one row per user and role.
 * `sessions.scope` is the space-separated scopes granted at sign-in (a refresh never widens them);
 * null for cookie sessions and for token sessions started before (no scopes).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('clients')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('type', 'text', (c) => c.notNull())
    .addColumn('secret_hash', 'text')
    .addColumn('redirect_uris', 'text', (c) => c.notNull())
    .addColumn('post_logout_redirect_uris', 'text', (c) => c.notNull())
    .addColumn('grant_types', 'text', (c) => c.notNull())
    .addColumn('scopes', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema
    .createTable('user_roles')
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('user_roles_pk', ['user_id', 'role'])
    .execute();
  await db.schema.alterTable('sessions').addColumn('scope', 'text').execute();
}

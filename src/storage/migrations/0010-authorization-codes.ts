/**
 * 0010_authorization_codes: the single-use codes of the authorization code flow (issue 12). One
 * row per code, by id, with only the SHA-256 of its secret part; `scope` space-separated;
 * `consumed_at` set once by the exchange (one conditional statement); `token_session_id` the
 * session the exchange started, and `reused_at` when the code came again, so that whichever of
 * the two lands second ends that session. `browser_session_id` is the session that signed in: the
 * exchange is refused once it ended. Rows go when they expire (retention job) or with
 * their user.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('authorization_codes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('secret_hash', 'text', (c) => c.notNull())
    .addColumn('client_id', 'text', (c) => c.notNull())
    .addColumn('user_id', 'text', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('redirect_uri', 'text', (c) => c.notNull())
    .addColumn('redirect_uri_given', 'integer', (c) => c.notNull())
    .addColumn('code_challenge', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull())
    .addColumn('nonce', 'text')
    .addColumn('auth_time', 'bigint', (c) => c.notNull())
    .addColumn('browser_session_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('expires_at', 'bigint', (c) => c.notNull())
    .addColumn('consumed_at', 'bigint')
    .addColumn('token_session_id', 'text')
    .addColumn('reused_at', 'bigint')
    .execute();
  await db.schema
    .createIndex('authorization_codes_expiry')
    .on('authorization_codes')
    .column('expires_at')
    .execute();
}

/**
 * 0004_security_event_user_agent: the User-Agent of the request behind a security event (sign-up,
 * login, logout: issue 14). Nullable: events recorded before, and those without a request, have
 * none. Reading the trail newest first uses 0001's index on created_at.
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('security_events').addColumn('user_agent', 'text').execute();
}

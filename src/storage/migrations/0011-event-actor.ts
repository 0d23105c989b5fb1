/**
 * 0011_event_actor: who made a security event happen when it was not the account's owner
 * (issue 13, the admin API). `security_events.actor` names the operator (`admin_token`: the
 * bearer of GATEHOUSE_ADMIN_TOKEN); null: the user, or no one (every existing row stays so).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('security_events').addColumn('actor', 'text').execute();
}

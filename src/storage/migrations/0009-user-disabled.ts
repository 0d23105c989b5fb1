/**
 * 0009_user_disabled: an operator can disable an account (`gatehouse users disable`, issue 13).
 * `users.disabled_at` is when it was disabled; null: enabled (every existing account stays so).
 */
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('users').addColumn('disabled_at', 'bigint').execute();
}

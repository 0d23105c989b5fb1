/** Users in SQL: e-mail addresses are unique, so a second sign-up with one inserts nothing. */
import type { Kysely, Selectable } from 'kysely';
import type { AccountStore, UserRecord } from '../../accounts/index.js';
import type { Database, UsersTable } from '../schema.js';

const toUser = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  createdAtMs: Number(row.created_at),
  updatedAtMs: Number(row.updated_at),
  emailVerifiedAtMs: row.email_verified_at === null ? null : Number(row.email_verified_at),
});

/**
 * Creates the account store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const accounts = createSqlAccountStore(db);
 */
export function createSqlAccountStore(db: Kysely<Database>): AccountStore {
  return {
    async createUser(user) {
      const result = await db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          password_hash: user.passwordHash,
          created_at: user.createdAtMs,
          updated_at: user.updatedAtMs,
          email_verified_at: user.emailVerifiedAtMs ?? null,
        })
        .onConflict((oc) => oc.column('email').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async findUserByEmail(email) {
      const row = await db
        .selectFrom('users')
        .selectAll()
        .where('email', '=', email)
        .executeTakeFirst();
      return row === undefined ? null : toUser(row);
    },
    async findUserById(id) {
      const row = await db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
      return row === undefined ? null : toUser(row);
    },
    async updatePasswordHash(userId, passwordHash, nowMs) {
      await db
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: nowMs })
        .where('id', '=', userId)
        .execute();
    },
    async markEmailVerified(userId, email, nowMs) {
      const result = await db
        .updateTable('users')
        .set({ email_verified_at: nowMs, updated_at: nowMs })
        .where('id', '=', userId)
        .where('email', '=', email)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
  };
}

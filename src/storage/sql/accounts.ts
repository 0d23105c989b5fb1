/** Users in SQL: e-mail addresses are unique, so a second sign-up with one inserts nothing. */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { AccountStore, UserRecord } from '../../accounts/index.js';
import type { Database, UsersTable } from '../schema.js';

const toUser = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  createdAtMs: Number(row.created_at),
  updatedAtMs: Number(row.updated_at),
  emailVerifiedAtMs: row.email_verified_at === null ? null : Number(row.email_verified_at),
  disabledAtMs: row.disabled_at === null ? null : Number(row.disabled_at),
});

/** SQLite (better-sqlite3) and PostgreSQL (23505) report a unique-index refusal by these codes. */
function isUniqueViolation(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505';
}

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
          disabled_at: user.disabledAtMs ?? null,
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
    async updatePasswordHash(userId, passwordHash, nowMs, whileEmail) {
      let update = db
        .updateTable('users')
        .set({ password_hash: passwordHash, updated_at: nowMs })
        .where('id', '=', userId);
      if (whileEmail !== undefined) update = update.where('email', '=', whileEmail);
      return Number((await update.executeTakeFirst()).numUpdatedRows) === 1;
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
    async setUserDisabled(userId, disabledAtMs, nowMs) {
      const result = await db
        .updateTable('users')
        .set({ disabled_at: disabledAtMs, updated_at: nowMs })
        .where('id', '=', userId)
        .where('disabled_at', disabledAtMs === null ? 'is not' : 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async changeEmail(userId, email, verifiedAtMs, nowMs, unlessUndoneSinceMs) {
      /** The address, unless another account has it (then nothing: the caller tells which). */
      const update = async (on: Kysely<Database>) => {
        const result = await on
          .updateTable('users')
          .set({ email, email_verified_at: verifiedAtMs, updated_at: nowMs })
          .where('id', '=', userId)
          .where(({ not, exists, selectFrom }) =>
            not(
              exists(
                selectFrom('users as other')
                  .select('other.id')
                  .where('other.email', '=', email)
                  .where('other.id', '<>', userId),
              ),
            ),
          )
          .executeTakeFirst();
        return Number(result.numUpdatedRows) === 1 ? ('changed' as const) : null;
      };
      try {
        const outcome =
          unlessUndoneSinceMs === undefined
            ? await update(db)
            : // Holding the account's row (a write first): an undo's own write of the address
              // waits for this one, and once held, an undo spent before is seen here.
              await db.transaction().execute(async (trx) => {
                const held = await trx
                  .updateTable('users')
                  .set((eb) => ({ updated_at: eb.ref('updated_at') }))
                  .where('id', '=', userId)
                  .returning('id')
                  .executeTakeFirst();
                if (held === undefined) return 'gone' as const;
                const undone = await trx
                  .selectFrom('email_tokens')
                  .select('id')
                  .where('user_id', '=', userId)
                  .where('purpose', '=', 'undo_email_change')
                  .where('consumed_at', '>=', unlessUndoneSinceMs)
                  .executeTakeFirst();
                if (undone !== undefined) return 'undone' as const;
                return update(trx);
              });
        if (outcome !== null) return outcome;
      } catch (error) {
        // Two changes (or a change and a sign-up) to one address at once: the index refuses one.
        if (isUniqueViolation(error)) return 'taken';
        throw error;
      }
      const user = await db
        .selectFrom('users')
        .select('id')
        .where('id', '=', userId)
        .executeTakeFirst();
      return user === undefined ? 'gone' : 'taken';
    },
    async listUsers(query) {
      let select = db.selectFrom('users').selectAll();
      if (query.emailContains !== undefined && query.emailContains !== '') {
        // A literal substring: LIKE's wildcards and its escape character escaped.
        const pattern = `%${query.emailContains.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        select = select.where(sql<boolean>`email like ${pattern} escape '\\'`);
      }
      if (query.afterEmail !== undefined) select = select.where('email', '>', query.afterEmail);
      const rows = await select.orderBy('email').limit(query.limit).execute();
      return rows.map(toUser);
    },
    async deleteUser(userId) {
      return db.transaction().execute(async (trx) => {
        // A write first, not a read: it locks the row (PostgreSQL), so of parallel deletions one
        // goes on and the others, once it commits, find no row and report false.
        const user = await trx
          .updateTable('users')
          .set((eb) => ({ updated_at: eb.ref('updated_at') }))
          .where('id', '=', userId)
          .returning(['id', 'email'])
          .executeTakeFirst();
        if (user === undefined) return false;
        const sessionIds = trx.selectFrom('sessions').select('id').where('user_id', '=', userId);
        await trx.deleteFrom('refresh_tokens').where('session_id', 'in', sessionIds).execute();
        await trx.deleteFrom('sessions').where('user_id', '=', userId).execute();
        await trx.deleteFrom('email_tokens').where('user_id', '=', userId).execute();
        await trx.deleteFrom('authorization_codes').where('user_id', '=', userId).execute();
        await trx.deleteFrom('user_roles').where('user_id', '=', userId).execute();
        await trx.deleteFrom('security_events').where('user_id', '=', userId).execute();
        await trx.deleteFrom('outbox').where('recipient', '=', user.email).execute();
        await trx.deleteFrom('users').where('id', '=', userId).execute();
        return true;
      });
    },
  };
}

/** Single-use email links in SQL: issued with their message in one transaction, consumed in one statement. */
import type { Kysely, Selectable } from 'kysely';
import type {
  EmailTokenPurpose,
  EmailTokenRecord,
  EmailTokenStore,
} from '../../lifecycle/index.js';
import type { Database, EmailTokensTable } from '../schema.js';
import { outboxRow } from './outbox.js';

const toRecord = (row: Selectable<EmailTokensTable>): EmailTokenRecord => ({
  id: row.id,
  secretHash: row.secret_hash,
  purpose: row.purpose as EmailTokenPurpose,
  userId: row.user_id,
  email: row.email,
  createdAtMs: Number(row.created_at),
  expiresAtMs: Number(row.expires_at),
  consumedAtMs: row.consumed_at === null ? null : Number(row.consumed_at),
});

/**
 * Creates the email-link store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const tokens = createSqlEmailTokenStore(db);
 */
export function createSqlEmailTokenStore(db: Kysely<Database>): EmailTokenStore {
  return {
    async issueToken(token, message) {
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('email_tokens')
          .values({
            id: token.id,
            secret_hash: token.secretHash,
            purpose: token.purpose,
            user_id: token.userId,
            email: token.email,
            created_at: token.createdAtMs,
            expires_at: token.expiresAtMs,
            consumed_at: null,
          })
          .execute();
        await trx.insertInto('outbox').values(outboxRow(message, token.createdAtMs)).execute();
      });
    },
    async findToken(id) {
      const row = await db
        .selectFrom('email_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? null : toRecord(row);
    },
    async consumeToken(id, purpose, nowMs) {
      const result = await db
        .updateTable('email_tokens')
        .set({ consumed_at: nowMs })
        .where('id', '=', id)
        .where('purpose', '=', purpose)
        .where('consumed_at', 'is', null)
        .where('expires_at', '>', nowMs)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async consumeUserTokens(userId, purpose, nowMs) {
      const result = await db
        .updateTable('email_tokens')
        .set({ consumed_at: nowMs })
        .where('user_id', '=', userId)
        .where('purpose', '=', purpose)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
    async pruneTokens(beforeMs) {
      const result = await db
        .deleteFrom('email_tokens')
        .where('expires_at', '<', beforeMs)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

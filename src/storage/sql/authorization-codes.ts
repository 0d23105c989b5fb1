/**
 * Authorization codes in SQL. Consuming, attaching the session and marking a reuse are each one
 * conditional statement (UPDATE ... RETURNING), atomic on SQLite and PostgreSQL alike.
 */
import type { Kysely, Selectable } from 'kysely';
import type { AuthorizationCodeRecord, AuthorizationCodeStore } from '../../oauth/index.js';
import type { AuthorizationCodesTable, Database } from '../schema.js';

const toRecord = (row: Selectable<AuthorizationCodesTable>): AuthorizationCodeRecord => ({
  id: row.id,
  secretHash: row.secret_hash,
  clientId: row.client_id,
  userId: row.user_id,
  redirectUri: row.redirect_uri,
  redirectUriGiven: Number(row.redirect_uri_given) === 1,
  codeChallenge: row.code_challenge,
  scopes: row.scope === '' ? [] : row.scope.split(' '),
  nonce: row.nonce,
  authTimeMs: Number(row.auth_time),
  browserSessionId: row.browser_session_id,
  createdAtMs: Number(row.created_at),
  expiresAtMs: Number(row.expires_at),
  consumedAtMs: row.consumed_at === null ? null : Number(row.consumed_at),
  tokenSessionId: row.token_session_id,
  reusedAtMs: row.reused_at === null ? null : Number(row.reused_at),
});

/**
 * Creates the code store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const codes = createSqlAuthorizationCodeStore(db);
 */
export function createSqlAuthorizationCodeStore(db: Kysely<Database>): AuthorizationCodeStore {
  return {
    async createCode(code) {
      await db
        .insertInto('authorization_codes')
        .values({
          id: code.id,
          secret_hash: code.secretHash,
          client_id: code.clientId,
          user_id: code.userId,
          redirect_uri: code.redirectUri,
          redirect_uri_given: code.redirectUriGiven ? 1 : 0,
          code_challenge: code.codeChallenge,
          scope: code.scopes.join(' '),
          nonce: code.nonce,
          auth_time: code.authTimeMs,
          browser_session_id: code.browserSessionId,
          created_at: code.createdAtMs,
          expires_at: code.expiresAtMs,
          consumed_at: code.consumedAtMs,
          token_session_id: code.tokenSessionId,
          reused_at: code.reusedAtMs,
        })
        .execute();
    },
    async findCode(id) {
      const row = await db
        .selectFrom('authorization_codes')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? null : toRecord(row);
    },
    async consumeCode(id, nowMs) {
      const result = await db
        .updateTable('authorization_codes')
        .set({ consumed_at: nowMs })
        .where('id', '=', id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async attachSession(id, sessionId) {
      const row = await db
        .updateTable('authorization_codes')
        .set({ token_session_id: sessionId })
        .where('id', '=', id)
        .returning('reused_at')
        .executeTakeFirst();
      return { reused: row !== undefined && row.reused_at !== null };
    },
    async markReused(id, nowMs) {
      const row = await db
        .updateTable('authorization_codes')
        .set({ reused_at: nowMs })
        .where('id', '=', id)
        .returning('token_session_id')
        .executeTakeFirst();
      return { tokenSessionId: row?.token_session_id ?? null };
    },
    async pruneCodes(beforeMs) {
      const result = await db
        .deleteFrom('authorization_codes')
        .where('expires_at', '<', beforeMs)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/**
 * Sessions in SQL: token sessions always, cookie sessions too unless Redis holds them. A revoked
 * session keeps its row (with revoked_at), so other instances learn of it by polling.
 */
import type { Kysely, Selectable } from 'kysely';
import type { SessionKind, SessionRecord, SessionStore } from '../../sessions/index.js';
import type { Database, SessionsTable } from '../schema.js';

const toSession = (row: Selectable<SessionsTable>): SessionRecord => ({
  id: row.id,
  userId: row.user_id,
  kind: row.kind as SessionKind,
  secretHash: row.secret_hash,
  createdAtMs: Number(row.created_at),
  lastUsedAtMs: Number(row.last_used_at),
  expiresAtMs: Number(row.expires_at),
  userAgent: row.user_agent,
  ip: row.ip,
  revokedAtMs: row.revoked_at === null ? null : Number(row.revoked_at),
  clientId: row.client_id,
  dpopJkt: row.dpop_jkt,
  scopes: row.scope === null ? null : row.scope.split(' ').filter(Boolean),
});

/**
 * Creates the session store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const sessions = createSqlSessionStore(db);
 */
export function createSqlSessionStore(db: Kysely<Database>): SessionStore {
  return {
    async createSession(s) {
      await db
        .insertInto('sessions')
        .values({
          id: s.id,
          user_id: s.userId,
          kind: s.kind,
          secret_hash: s.secretHash,
          created_at: s.createdAtMs,
          last_used_at: s.lastUsedAtMs,
          expires_at: s.expiresAtMs,
          user_agent: s.userAgent,
          ip: s.ip,
          revoked_at: s.revokedAtMs,
          revoke_reason: null,
          client_id: s.clientId ?? null,
          dpop_jkt: s.dpopJkt ?? null,
          scope: s.scopes === undefined || s.scopes === null ? null : s.scopes.join(' '),
        })
        .execute();
    },
    async findSession(id) {
      const row = await db
        .selectFrom('sessions')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? null : toSession(row);
    },
    async touchSession(id, nowMs) {
      await db
        .updateTable('sessions')
        .set({ last_used_at: nowMs })
        .where('id', '=', id)
        .where('last_used_at', '<', nowMs)
        .execute();
    },
    async listUserSessions(userId, nowMs) {
      const rows = await db
        .selectFrom('sessions')
        .selectAll()
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null)
        .where('expires_at', '>', nowMs)
        .orderBy('created_at', 'desc')
        .execute();
      return rows.map(toSession);
    },
    async revokeSession(id, nowMs, reason) {
      const result = await db
        .updateTable('sessions')
        .set({ revoked_at: nowMs, revoke_reason: reason })
        .where('id', '=', id)
        .where('revoked_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async revokeUserSessions(userId, nowMs, reason, exceptId) {
      // One conditional UPDATE ... RETURNING: of parallel calls, each session is reported by the
      // one that ended it (a SELECT then UPDATE in READ COMMITTED reports it to all of them).
      let update = db
        .updateTable('sessions')
        .set({ revoked_at: nowMs, revoke_reason: reason })
        .where('user_id', '=', userId)
        .where('revoked_at', 'is', null);
      if (exceptId !== undefined) update = update.where('id', '!=', exceptId);
      return (await update.returning('id').execute()).map((r) => r.id);
    },
    async listRevokedSince(sinceMs) {
      const rows = await db
        .selectFrom('sessions')
        .select(['id', 'revoked_at'])
        .where('revoked_at', '>=', sinceMs)
        .execute();
      return rows.map((r) => ({ id: r.id, revokedAtMs: Number(r.revoked_at) }));
    },
    async pruneSessions(endedBeforeMs) {
      return db.transaction().execute(async (trx) => {
        const ended = trx
          .selectFrom('sessions')
          .select('id')
          .where((eb) =>
            eb.or([eb('revoked_at', '<', endedBeforeMs), eb('expires_at', '<', endedBeforeMs)]),
          );
        // Foreign keys are not enforced by every SQLite connection: delete the children first.
        await trx.deleteFrom('refresh_tokens').where('session_id', 'in', ended).execute();
        const result = await trx
          .deleteFrom('sessions')
          .where((eb) =>
            eb.or([eb('revoked_at', '<', endedBeforeMs), eb('expires_at', '<', endedBeforeMs)]),
          )
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      });
    },
  };
}

/**
 * Refresh tokens in SQL. Rotation is atomic: the old token is consumed and its successor
 * inserted together or not at all, and of two concurrent rotations exactly one wins.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { RefreshRecord, RefreshStore } from '../../refresh/index.js';
import type { Database, RefreshTokensTable } from '../schema.js';
import type { SqlDialectName } from './dialect.js';

const toRefresh = (row: Selectable<RefreshTokensTable>): RefreshRecord => ({
  id: row.id,
  sessionId: row.session_id,
  secretHash: row.secret_hash,
  createdAtMs: Number(row.created_at),
  expiresAtMs: Number(row.expires_at),
  consumedAtMs: row.consumed_at === null ? null : Number(row.consumed_at),
  replayCiphertext: row.replay_ciphertext,
  replayExpiresAtMs: row.replay_expires_at === null ? null : Number(row.replay_expires_at),
});

const refreshRow = (r: RefreshRecord): RefreshTokensTable => ({
  id: r.id,
  session_id: r.sessionId,
  secret_hash: r.secretHash,
  created_at: r.createdAtMs,
  expires_at: r.expiresAtMs,
  consumed_at: r.consumedAtMs,
  replay_ciphertext: r.replayCiphertext,
  replay_expires_at: r.replayExpiresAtMs,
});

/**
 * Creates the refresh-token store over a Kysely database of the given dialect.
 *
 * @example const refresh = createSqlRefreshStore(db, 'postgres');
 */
export function createSqlRefreshStore(db: Kysely<Database>, dialect: SqlDialectName): RefreshStore {
  return {
    async insertRefreshToken(record) {
      await db.insertInto('refresh_tokens').values(refreshRow(record)).execute();
    },
    async findRefreshToken(id) {
      const row = await db
        .selectFrom('refresh_tokens')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? null : toRefresh(row);
    },
    async consumeRefreshToken(id, nowMs, replay, successor) {
      if (dialect === 'postgres') {
        // One statement, one round trip: the conditional update and the successor's insert
        // commit together or not at all. A concurrent consume waits on the row lock, then finds
        // consumed_at set (READ COMMITTED re-checks the WHERE) and inserts nothing.
        const s = successor;
        const result = await sql`
          with consumed as (
            update refresh_tokens
               set consumed_at = ${nowMs}, replay_ciphertext = ${replay.ciphertext}, replay_expires_at = ${replay.expiresAtMs}
             where id = ${id} and consumed_at is null
            returning id)
          insert into refresh_tokens (id, session_id, secret_hash, created_at, expires_at)
          select ${s.id}::text, ${s.sessionId}::text, ${s.secretHash}::text, ${s.createdAtMs}::bigint, ${s.expiresAtMs}::bigint
           where exists (select 1 from consumed)`.execute(db);
        return Number(result.numAffectedRows ?? 0n) === 1;
      }
      return db.transaction().execute(async (trx) => {
        // The compare-and-set: only one request can move consumed_at from NULL.
        const result = await trx
          .updateTable('refresh_tokens')
          .set({
            consumed_at: nowMs,
            replay_ciphertext: replay.ciphertext,
            replay_expires_at: replay.expiresAtMs,
          })
          .where('id', '=', id)
          .where('consumed_at', 'is', null)
          .executeTakeFirst();
        if (Number(result.numUpdatedRows) !== 1) return false;
        await trx.insertInto('refresh_tokens').values(refreshRow(successor)).execute();
        return true;
      });
    },
    async pruneRefreshTokens(nowMs) {
      await db
        .updateTable('refresh_tokens')
        .set({ replay_ciphertext: null, replay_expires_at: null })
        .where('replay_expires_at', '<', nowMs)
        .execute();
      const result = await db
        .deleteFrom('refresh_tokens')
        .where('expires_at', '<', nowMs)
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}

/**
 * The SQL implementations of every store interface, on Kysely, for SQLite and PostgreSQL alike.
 * Atomic operations are single conditional statements or transactions with row locks (FOR UPDATE
 * on PostgreSQL; SQLite serialises writers). Any failure of the database becomes
 * ERR_STORE_UNAVAILABLE (the server answers 503); nothing here logs or returns a secret.
 */
import { randomUUID } from 'node:crypto';
import { type Kysely, type Selectable, sql } from 'kysely';
import type { AccountStore, UserRecord } from '../../accounts/store.js';
import type { SigningKeyStore } from '../../jwt/key-store.js';
import { planFailure } from '../../limits/policy.js';
import type { LimitState, LimitStore, SecurityEventStore } from '../../limits/store.js';
import type { RefreshRecord, RefreshStore } from '../../refresh/store.js';
import type { SessionKind, SessionRecord, SessionStore } from '../../sessions/store.js';
import { guard, guarded } from '../guard.js';
import type { Database, RefreshTokensTable, SessionsTable, UsersTable } from '../schema.js';
import type { Stores } from '../stores.js';

const toUser = (row: Selectable<UsersTable>): UserRecord => ({
  id: row.id,
  email: row.email,
  passwordHash: row.password_hash,
  createdAtMs: Number(row.created_at),
  updatedAtMs: Number(row.updated_at),
});

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
});

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

export type SqlDialectName = 'sqlite' | 'postgres';

/** Creates the stores over a Kysely database of the given dialect. */
export function createSqlStores(db: Kysely<Database>, dialect: SqlDialectName): Stores {
  const accounts: AccountStore = {
    async createUser(user) {
      const result = await db
        .insertInto('users')
        .values({
          id: user.id,
          email: user.email,
          password_hash: user.passwordHash,
          created_at: user.createdAtMs,
          updated_at: user.updatedAtMs,
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
  };

  const sessions: SessionStore = {
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
      return db.transaction().execute(async (trx) => {
        let query = trx
          .selectFrom('sessions')
          .select('id')
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null);
        if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
        const ids = (await query.execute()).map((r) => r.id);
        if (ids.length > 0) {
          await trx
            .updateTable('sessions')
            .set({ revoked_at: nowMs, revoke_reason: reason })
            .where('id', 'in', ids)
            .execute();
        }
        return ids;
      });
    },
    async listRevokedSince(sinceMs) {
      const rows = await db
        .selectFrom('sessions')
        .select(['id', 'revoked_at'])
        .where('revoked_at', '>=', sinceMs)
        .execute();
      return rows.map((r) => ({ id: r.id, revokedAtMs: Number(r.revoked_at) }));
    },
  };

  const refresh: RefreshStore = {
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
  };

  const limits: LimitStore = {
    async getLimit(key) {
      const row = await db
        .selectFrom('rate_limits')
        .selectAll()
        .where('key', '=', key)
        .executeTakeFirst();
      return row === undefined
        ? null
        : {
            failures: row.failures,
            windowStartedAtMs: Number(row.window_started_at),
            blockedUntilMs: Number(row.blocked_until),
          };
    },
    async recordFailure(key, nowMs, policy) {
      return db.transaction().execute(async (trx) => {
        // Make sure the row exists, then lock it: two failures at once must both count. On
        // PostgreSQL a concurrent insert of the same key waits for ours, and FOR UPDATE
        // serialises the read-modify-write; SQLite has a single writer anyway.
        await trx
          .insertInto('rate_limits')
          .values({ key, failures: 0, window_started_at: 0, blocked_until: 0 })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        const select = trx.selectFrom('rate_limits').selectAll().where('key', '=', key);
        const row = await (dialect === 'postgres'
          ? select.forUpdate()
          : select
        ).executeTakeFirstOrThrow();
        const current: LimitState | null =
          row.failures === 0
            ? null
            : {
                failures: row.failures,
                windowStartedAtMs: Number(row.window_started_at),
                blockedUntilMs: Number(row.blocked_until),
              };
        const next = planFailure(current, nowMs, policy);
        await trx
          .updateTable('rate_limits')
          .set({
            failures: next.failures,
            window_started_at: next.windowStartedAtMs,
            blocked_until: next.blockedUntilMs,
          })
          .where('key', '=', key)
          .execute();
        return next;
      });
    },
    async deleteLimit(key) {
      await db.deleteFrom('rate_limits').where('key', '=', key).execute();
    },
  };

  const events: SecurityEventStore = {
    async recordEvent(event) {
      await db
        .insertInto('security_events')
        .values({
          id: randomUUID(),
          type: event.type,
          user_id: event.userId,
          session_id: event.sessionId,
          ip: event.ip,
          created_at: event.atMs,
        })
        .execute();
    },
  };

  const keys: SigningKeyStore = {
    async listSigningKeys() {
      const rows = await db
        .selectFrom('signing_keys')
        .selectAll()
        .orderBy('created_at', 'desc')
        .orderBy('kid')
        .execute();
      return rows.map((r) => ({
        kid: r.kid,
        privateJwk: r.private_jwk,
        createdAtMs: Number(r.created_at),
      }));
    },
    async addInitialSigningKey(key) {
      const result = await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          private_jwk: key.privateJwk,
          created_at: key.createdAtMs,
          slot: 'initial',
        })
        .onConflict((oc) => oc.column('slot').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async addSigningKey(key) {
      await db
        .insertInto('signing_keys')
        .values({
          kid: key.kid,
          private_jwk: key.privateJwk,
          created_at: key.createdAtMs,
          slot: null,
        })
        .execute();
    },
    async removeSigningKey(kid) {
      const result = await db.deleteFrom('signing_keys').where('kid', '=', kid).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };

  const ping = () =>
    guard(async () => void (await db.selectFrom('users').select('id').limit(1).execute()));

  return {
    keys: guarded(keys),
    accounts: guarded(accounts),
    sessions: guarded(sessions),
    refresh: guarded(refresh),
    limits: guarded(limits),
    events: guarded(events),
    ping,
    health: async () => ({
      database: await ping().then(
        () => 'up' as const,
        () => 'down' as const,
      ),
    }),
  };
}

/** The SQLite stores (the embedded default). */
export const createSqliteStores = (db: Kysely<Database>): Stores => createSqlStores(db, 'sqlite');

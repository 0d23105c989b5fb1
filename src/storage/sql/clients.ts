/**
 * The client registry and user roles in SQL (0006). List columns hold JSON arrays of strings.
 * Removing a client revokes its token sessions in the same transaction: their refresh tokens stop
 * working at once, and every instance drops their access tokens at its next revocation sync.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ClientRecord, ClientStore, GrantType, RoleStore } from '../../clients/index.js';
import type { ClientsTable, Database } from '../schema.js';

const list = (text: string): string[] => {
  const value = JSON.parse(text) as unknown;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
};

const toClient = (row: Selectable<ClientsTable>): ClientRecord => ({
  id: row.id,
  name: row.name,
  type: row.type === 'confidential' ? 'confidential' : 'public',
  secretHash: row.secret_hash,
  redirectUris: list(row.redirect_uris),
  postLogoutRedirectUris: list(row.post_logout_redirect_uris),
  grantTypes: list(row.grant_types) as GrantType[],
  scopes: list(row.scopes),
  createdAtMs: Number(row.created_at),
  updatedAtMs: Number(row.updated_at),
});

/** The SQL client store, with the removal that also revokes the client's sessions. */
export interface SqlClientStore extends ClientStore {
  /** Deletes a client and revokes its active token sessions; null when there was no client. */
  removeClient(id: string, nowMs: number): Promise<{ revokedSessionIds: string[] } | null>;
}

/**
 * Creates the client store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const clients = createSqlClientStore(db);
 */
export function createSqlClientStore(db: Kysely<Database>): SqlClientStore {
  return {
    async createClient(c) {
      const result = await db
        .insertInto('clients')
        .values({
          id: c.id,
          name: c.name,
          type: c.type,
          secret_hash: c.secretHash,
          redirect_uris: JSON.stringify(c.redirectUris),
          post_logout_redirect_uris: JSON.stringify(c.postLogoutRedirectUris),
          grant_types: JSON.stringify(c.grantTypes),
          scopes: JSON.stringify(c.scopes ?? []),
          created_at: c.createdAtMs,
          updated_at: c.updatedAtMs,
        })
        .onConflict((oc) => oc.column('id').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async findClient(id) {
      const row = await db
        .selectFrom('clients')
        .selectAll()
        .where('id', '=', id)
        .executeTakeFirst();
      return row === undefined ? null : toClient(row);
    },
    async listClients() {
      const rows = await db
        .selectFrom('clients')
        .selectAll()
        .orderBy('created_at')
        .orderBy('id')
        .execute();
      return rows.map(toClient);
    },
    async updateClientSecret(id, secretHash, nowMs) {
      const result = await db
        .updateTable('clients')
        .set({ secret_hash: secretHash, updated_at: nowMs })
        .where('id', '=', id)
        .where('type', '=', 'confidential')
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },
    async deleteClient(id) {
      const result = await db.deleteFrom('clients').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
    async removeClient(id, nowMs) {
      return db.transaction().execute(async (trx) => {
        const deleted = await trx.deleteFrom('clients').where('id', '=', id).executeTakeFirst();
        if (Number(deleted.numDeletedRows) !== 1) return null;
        const revoked = await trx
          .updateTable('sessions')
          .set({ revoked_at: nowMs, revoke_reason: 'client_removed' })
          .where('client_id', '=', id)
          .where('revoked_at', 'is', null)
          .returning('id')
          .execute();
        return { revokedSessionIds: revoked.map((r) => r.id) };
      });
    },
  };
}

/**
 * Creates the role store over a Kysely database (SQLite or PostgreSQL).
 *
 * @example const roles = createSqlRoleStore(db);
 */
export function createSqlRoleStore(db: Kysely<Database>): RoleStore {
  return {
    async listUserRoles(userId) {
      const rows = await db
        .selectFrom('user_roles')
        .select('role')
        .where('user_id', '=', userId)
        .orderBy('role')
        .execute();
      return rows.map((r) => r.role);
    },
    async addUserRole(userId, role, nowMs) {
      const result = await db
        .insertInto('user_roles')
        .values({ user_id: userId, role, created_at: nowMs })
        .onConflict((oc) => oc.columns(['user_id', 'role']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    async removeUserRole(userId, role) {
      const result = await db
        .deleteFrom('user_roles')
        .where('user_id', '=', userId)
        .where('role', '=', role)
        .executeTakeFirst();
      return Number(result.numDeletedRows) === 1;
    },
  };
}

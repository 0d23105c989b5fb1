/**
 * What an operator does to accounts (the admin API): find, disable, enable, sign out, delete,
 * give or take a role, and read the security events. Every change ends sessions through the
 * session service (the revocation list: refused from the next request) and records a security
 * event naming the actor. Knows nothing of HTTP or of how the operator authenticated.
 */
import type { AccountService, AccountStore, UserListQuery, UserRecord } from '../accounts/index.js';
import { AuthError, type Clock } from '../core/index.js';
import type {
  SecurityEvent,
  SecurityEventQuery,
  SecurityEventStore,
  StoredSecurityEvent,
} from '../limits/index.js';

/** The roles of users (the clients module's RoleStore, as far as this needs it). */
export interface UserRoleStore {
  listUserRoles(userId: string): Promise<string[]>;
  addUserRole(userId: string, role: string, nowMs: number): Promise<boolean>;
  removeUserRole(userId: string, role: string): Promise<boolean>;
}

export interface AccountAdminOptions {
  readonly users: AccountStore;
  readonly roles: UserRoleStore;
  readonly events: SecurityEventStore;
  readonly accounts: Pick<AccountService, 'forgetUser'>;
  /** Ends every session of a user (the session service); returns their ids. */
  readonly endSessions: (userId: string, reason: string) => Promise<readonly string[]>;
  /** How many active sessions the user has. */
  readonly countSessions: (userId: string) => Promise<number>;
  /** Waits until every instance has learnt of sessions just ended (before a deletion). */
  readonly settleRevocations: () => Promise<void>;
  readonly clock: Clock;
}

/** Who acts, for the audit trail: the actor's name and the request's address and User-Agent. */
export interface AdminActor {
  readonly actor: string;
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** A user as an operator sees it. */
export interface AdminUserView {
  readonly user: UserRecord;
  readonly roles: readonly string[];
}

export interface AccountAdmin {
  /** One page of users by email (see UserListQuery), each with its roles. */
  listUsers(query: UserListQuery): Promise<AdminUserView[]>;
  /**
   * One user, with its roles and count of active sessions.
   * @throws AuthError ERR_USER_NOT_FOUND
   */
  showUser(userId: string): Promise<AdminUserView & { readonly activeSessions: number }>;
  /**
   * Disables the account (unless it was) and ends every session. Records `account_disabled`
   * when it changed.
   * @throws AuthError ERR_USER_NOT_FOUND
   */
  disableUser(
    userId: string,
    by: AdminActor,
  ): Promise<{ readonly changed: boolean; readonly endedSessions: number }>;
  /**
   * Enables the account again (its ended sessions stay ended). Records `account_enabled` when it
   * changed.
   * @throws AuthError ERR_USER_NOT_FOUND
   */
  enableUser(userId: string, by: AdminActor): Promise<{ readonly changed: boolean }>;
  /**
   * Ends every session of the user. Records `account_signed_out` when it ended one.
   * @throws AuthError ERR_USER_NOT_FOUND
   */
  signOutUser(userId: string, by: AdminActor): Promise<{ readonly endedSessions: number }>;
  /**
   * Ends every session, waits until every instance knows, then deletes the account and its
   * personal data. Records `account_deleted` with the user id and the actor only.
   * @throws AuthError ERR_USER_NOT_FOUND
   */
  deleteUser(userId: string, by: AdminActor): Promise<{ readonly endedSessions: number }>;
  /**
   * Gives (`present` true) or takes away a role; returns the user's roles. Records
   * `role_granted` or `role_removed` when it changed.
   * @throws AuthError ERR_USER_NOT_FOUND
   */
  setRole(
    userId: string,
    role: string,
    present: boolean,
    by: AdminActor,
  ): Promise<{ readonly changed: boolean; readonly roles: readonly string[] }>;
  /** Security events, newest first, a page at a time (see SecurityEventStore.pageEvents). */
  listEvents(
    query: SecurityEventQuery & { readonly after?: { readonly atMs: number; readonly id: string } },
  ): Promise<StoredSecurityEvent[]>;
}

const notFound = () => new AuthError('ERR_USER_NOT_FOUND', 'no account has that id');

/**
 * Creates the operator's view of accounts.
 *
 * @example
 * const admin = createAccountAdmin({ users, roles, events, accounts, endSessions, countSessions, settleRevocations, clock });
 * await admin.disableUser(userId, { actor: 'admin_token', ip, userAgent });
 */
export function createAccountAdmin(options: AccountAdminOptions): AccountAdmin {
  const { users, roles, events, clock } = options;

  const find = async (userId: string) => {
    const user = await users.findUserById(userId);
    if (user === null) throw notFound();
    return user;
  };

  const record = (
    type: SecurityEvent['type'],
    userId: string,
    by: AdminActor,
    withRequest = true,
  ) =>
    events.recordEvent({
      type,
      userId,
      sessionId: null,
      ip: withRequest ? by.ip : null,
      userAgent: withRequest ? by.userAgent : null,
      actor: by.actor,
      atMs: clock.nowMs(),
    });

  return {
    async listUsers(query) {
      const found = await users.listUsers(query);
      return Promise.all(
        found.map(async (user) => ({ user, roles: await roles.listUserRoles(user.id) })),
      );
    },

    async showUser(userId) {
      const user = await find(userId);
      return {
        user,
        roles: await roles.listUserRoles(user.id),
        activeSessions: await options.countSessions(user.id),
      };
    },

    async disableUser(userId, by) {
      const user = await find(userId);
      // One conditional write: of parallel calls, one changes it (and records it).
      const changed = await users.setUserDisabled(user.id, clock.nowMs(), clock.nowMs());
      // After the flag: a sign-in checked before it was set is ended too.
      const ended = await options.endSessions(user.id, 'account_disabled');
      if (changed) await record('account_disabled', user.id, by);
      return { changed, endedSessions: ended.length };
    },

    async enableUser(userId, by) {
      const user = await find(userId);
      const changed = await users.setUserDisabled(user.id, null, clock.nowMs());
      if (changed) await record('account_enabled', user.id, by);
      return { changed };
    },

    async signOutUser(userId, by) {
      const user = await find(userId);
      const ended = await options.endSessions(user.id, 'signed_out_by_operator');
      // Each ended session is ended by one call only: parallel sign-outs record it once.
      if (ended.length > 0) await record('account_signed_out', user.id, by);
      return { endedSessions: ended.length };
    },

    async deleteUser(userId, by) {
      const user = await find(userId);
      const ended = await options.endSessions(user.id, 'account_deleted');
      if (ended.length > 0) await options.settleRevocations();
      if (!(await users.deleteUser(user.id))) throw notFound();
      options.accounts.forgetUser(user.id);
      // No address, IP or User-Agent: only the id and who deleted it.
      await record('account_deleted', user.id, by, false);
      return { endedSessions: ended.length };
    },

    async setRole(userId, role, present, by) {
      const user = await find(userId);
      const changed = present
        ? await roles.addUserRole(user.id, role, clock.nowMs())
        : await roles.removeUserRole(user.id, role);
      if (changed) await record(present ? 'role_granted' : 'role_removed', user.id, by);
      return { changed, roles: await roles.listUserRoles(user.id) };
    },

    listEvents(query) {
      return events.pageEvents(query);
    },
  };
}

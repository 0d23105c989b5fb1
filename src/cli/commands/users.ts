/**
 * `gatehouse users list | show | disable | enable | sign-out | delete`: the accounts in
 * GATEHOUSE_DATABASE_URL, for an operator. These work on the storage directly (no server is
 * asked): a running server refuses the access tokens of sessions ended here at its next
 * revocation sync (GATEHOUSE_REVOCATION_SYNC_INTERVAL); their refresh tokens and cookies stop at
 * once, since every instance reads those from the same storage.
 */
import { parseArgs } from 'node:util';
import { type Clock, systemRandom } from '../../core/index.js';
import type { ServerConfig } from '../../server/index.js';
import { createSessionService } from '../../sessions/index.js';
import type { Stores } from '../../storage/index.js';
import { type ExitCode, UsageError } from '../io.js';
import { type StorageCliIo, withStorage } from '../with-storage.js';

type User = NonNullable<Awaited<ReturnType<Stores['accounts']['findUserById']>>>;
type EventType = Parameters<Stores['events']['recordEvent']>[0]['type'];

const DEFAULT_LIMIT = 50;
const MAX_LIMIT = 1000;
const RECENT_EVENTS = 10;
/** Redis too, when configured: a user's cookie sessions live there. */
const USERS_STORAGE = { redis: true } as const;

const iso = (ms: number) => new Date(ms).toISOString();
const verified = (u: User) => ((u.emailVerifiedAtMs ?? null) === null ? 'no' : 'yes');
const disabled = (u: User) => (u.disabledAtMs == null ? 'no' : `since ${iso(u.disabledAtMs)}`);

/** The stored form of an email (accounts/email.ts normaliseEmail): trimmed, NFKC, lower-cased. */
const normalise = (text: string) => text.trim().normalize('NFKC').toLowerCase();

function oneUser(positionals: readonly string[]): string {
  if (positionals.length !== 1) throw new UsageError('give exactly one EMAIL or user ID');
  return positionals[0] as string;
}

/** The user named by an email (it has an @) or an id; null (and a message) when there is none. */
async function findUser(stores: Stores, which: string, io: StorageCliIo): Promise<User | null> {
  const user = which.includes('@')
    ? await stores.accounts.findUserByEmail(normalise(which))
    : await stores.accounts.findUserById(which);
  if (user === null) io.stderr('error: no such user\n');
  return user;
}

/** The session service over the storage: every session ended here is marked revoked there. */
function sessionsOf(stores: Stores, config: ServerConfig, clock: Clock) {
  return createSessionService({
    store: stores.sessions,
    policy: {
      absoluteTtlMs: config.sessionAbsoluteTtlSeconds * 1000,
      idleTtlMs: config.sessionIdleTtlSeconds * 1000,
      touchIntervalMs: config.sessionTouchIntervalSeconds * 1000,
    },
    clock,
    random: systemRandom,
  });
}

const record = (stores: Stores, clock: Clock, type: EventType, userId: string) =>
  stores.events.recordEvent({
    type,
    userId,
    sessionId: null,
    ip: null,
    userAgent: null,
    atMs: clock.nowMs(),
  });

const syncNote = (config: ServerConfig) =>
  `running servers refuse its access tokens within GATEHOUSE_REVOCATION_SYNC_INTERVAL (${config.revocationSyncSeconds} s); its refresh tokens and cookies no longer work`;

/**
 * Disables the user (unless it already was), then ends every session: a sign-in checked before
 * the flag was set is ended too. Returns whether it already was disabled and the ended sessions.
 */
export async function disableUser(stores: Stores, config: ServerConfig, clock: Clock, user: User) {
  const already = !(await stores.accounts.setUserDisabled(user.id, clock.nowMs(), clock.nowMs()));
  const ended = await sessionsOf(stores, config, clock).revokeAllForUser(
    user.id,
    'account_disabled',
  );
  if (!already) await record(stores, clock, 'account_disabled', user.id);
  return { already, ended };
}

/** Enables a disabled user again. */
export async function enableUser(stores: Stores, clock: Clock, user: User): Promise<void> {
  if (await stores.accounts.setUserDisabled(user.id, null, clock.nowMs()))
    await record(stores, clock, 'account_enabled', user.id);
}

/** Ends every session of the user; returns their ids. */
export async function signOutUser(stores: Stores, config: ServerConfig, clock: Clock, user: User) {
  const ended = await sessionsOf(stores, config, clock).revokeAllForUser(
    user.id,
    'signed_out_by_operator',
  );
  if (ended.length > 0) await record(stores, clock, 'account_signed_out', user.id);
  return ended;
}

/**
 * Ends every session (through the session service, before the account goes), deletes the account
 * and its personal data, and records `account_deleted` with the id only. Returns the ended
 * sessions; null when the account was already gone.
 *
 * The session rows go with the account (a foreign key), and with them what the servers' storage
 * poll reads revocations from: `settle` (called when sessions were ended, before the deletion)
 * waits until every running server has read them, so their access tokens are refused everywhere.
 */
export async function deleteUser(
  stores: Stores,
  config: ServerConfig,
  clock: Clock,
  user: User,
  settle: () => Promise<void>,
) {
  const ended = await sessionsOf(stores, config, clock).revokeAllForUser(
    user.id,
    'account_deleted',
  );
  if (ended.length > 0) await settle();
  if (!(await stores.accounts.deleteUser(user.id))) return null;
  await record(stores, clock, 'account_deleted', user.id);
  return ended;
}

export const list = {
  usage: `gatehouse users list [--email TEXT] [--after EMAIL] [--limit N]
  Lists the users by email, one per line: id, email, verified, disabled, roles, created (UTC).
  --email: only emails containing TEXT. --limit: at most N (default ${DEFAULT_LIMIT}, up to ${MAX_LIMIT}).
  When more remain, the command to print the next page goes to stderr (--after the last email).
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { values } = parseArgs({
      args: [...args],
      options: {
        email: { type: 'string' },
        after: { type: 'string' },
        limit: { type: 'string', default: String(DEFAULT_LIMIT) },
      },
      strict: true,
      allowPositionals: false,
    });
    const limit = Number(values.limit);
    if (!/^\d+$/.test(values.limit) || limit < 1 || limit > MAX_LIMIT)
      throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT}`);
    return withStorage(io, async (stores) => {
      const users = await stores.accounts.listUsers({
        ...(values.email === undefined ? {} : { emailContains: normalise(values.email) }),
        ...(values.after === undefined ? {} : { afterEmail: normalise(values.after) }),
        limit,
      });
      for (const u of users) {
        const roles = await stores.roles.listUserRoles(u.id);
        io.stdout(
          `${u.id}  ${u.email}  verified=${verified(u)}  disabled=${u.disabledAtMs == null ? 'no' : 'yes'}  roles=${roles.join(',') || '-'}  created=${iso(u.createdAtMs)}\n`,
        );
      }
      const last = users.at(-1);
      if (users.length === limit && last !== undefined)
        io.stderr(
          `more: gatehouse users list${values.email === undefined ? '' : ` --email ${values.email}`} --after ${last.email} --limit ${limit}\n`,
        );
      return 0;
    });
  },
};

export const show = {
  usage: `gatehouse users show EMAIL|ID
  Prints one user: id, email, verified, disabled, roles, created, its active sessions, and its
  ${RECENT_EVENTS} most recent security events (time, type, session, IP address).
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { positionals } = parseArgs({ args: [...args], strict: true, allowPositionals: true });
    const which = oneUser(positionals);
    return withStorage(
      io,
      async (stores, _config, clock) => {
        const user = await findUser(stores, which, io);
        if (user === null) return 1;
        const roles = await stores.roles.listUserRoles(user.id);
        const sessions = await stores.sessions.listUserSessions(user.id, clock.nowMs());
        const events = await stores.events.listEvents({ userId: user.id, limit: RECENT_EVENTS });
        const lines = [
          `id: ${user.id}`,
          `email: ${user.email}`,
          `verified: ${verified(user)}`,
          `disabled: ${disabled(user)}`,
          `roles: ${roles.join(' ') || '-'}`,
          `created: ${iso(user.createdAtMs)}`,
          `active sessions: ${sessions.length}`,
          'recent events:',
          ...(events.length === 0
            ? ['  -']
            : events.map(
                (e) => `  ${iso(e.atMs)}  ${e.type}  ${e.sessionId ?? '-'}  ${e.ip ?? '-'}`,
              )),
        ];
        io.stdout(`${lines.join('\n')}\n`);
        return 0;
      },
      USERS_STORAGE,
    );
  },
};

export const disable = {
  usage: `gatehouse users disable EMAIL|ID
  Disables the user: sign-in is refused (account_disabled, answered only after the right
  password) and every session ends now. 'gatehouse users enable' undoes it.
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { positionals } = parseArgs({ args: [...args], strict: true, allowPositionals: true });
    const which = oneUser(positionals);
    return withStorage(
      io,
      async (stores, config, clock) => {
        const user = await findUser(stores, which, io);
        if (user === null) return 1;
        const { already, ended } = await disableUser(stores, config, clock, user);
        io.stdout(
          `${user.email}: ${already ? 'was already disabled' : 'disabled'}; ended ${ended.length} session(s)\n`,
        );
        if (ended.length > 0) io.stdout(`note: ${syncNote(config)}\n`);
        return 0;
      },
      USERS_STORAGE,
    );
  },
};

export const enable = {
  usage: `gatehouse users enable EMAIL|ID
  Enables a disabled user again: sign-in works again (its ended sessions stay ended).
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { positionals } = parseArgs({ args: [...args], strict: true, allowPositionals: true });
    const which = oneUser(positionals);
    return withStorage(io, async (stores, _config, clock) => {
      const user = await findUser(stores, which, io);
      if (user === null) return 1;
      if (user.disabledAtMs == null) {
        io.stdout(`${user.email}: was not disabled\n`);
        return 0;
      }
      await enableUser(stores, clock, user);
      io.stdout(`${user.email}: enabled\n`);
      return 0;
    });
  },
};

export const signOut = {
  usage: `gatehouse users sign-out EMAIL|ID
  Ends every session of the user now (cookies, refresh tokens, access tokens) without disabling
  the account: the user can sign in again.
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { positionals } = parseArgs({ args: [...args], strict: true, allowPositionals: true });
    const which = oneUser(positionals);
    return withStorage(
      io,
      async (stores, config, clock) => {
        const user = await findUser(stores, which, io);
        if (user === null) return 1;
        const ended = await signOutUser(stores, config, clock, user);
        io.stdout(`${user.email}: ended ${ended.length} session(s)\n`);
        if (ended.length > 0) io.stdout(`note: ${syncNote(config)}\n`);
        return 0;
      },
      USERS_STORAGE,
    );
  },
};

export const remove = {
  usage: `gatehouse users delete EMAIL|ID --yes
  Deletes the user for good: ends every session, waits for running servers to read that
  (GATEHOUSE_REVOCATION_SYNC_INTERVAL and a second), then removes the account, its sessions,
  refresh tokens, email links, roles, security events and queued messages. An account_deleted
  event (the user's id only, no email) is kept. --yes is required.
`,
  async run(args: readonly string[], io: StorageCliIo): Promise<ExitCode> {
    const { values, positionals } = parseArgs({
      args: [...args],
      options: { yes: { type: 'boolean', default: false } },
      strict: true,
      allowPositionals: true,
    });
    const which = oneUser(positionals);
    if (!values.yes) throw new UsageError('deleting a user cannot be undone: add --yes');
    return withStorage(
      io,
      async (stores, config, clock) => {
        const user = await findUser(stores, which, io);
        if (user === null) return 1;
        // One poll interval and a second: every running server has read the revocations.
        const waitMs = (config.revocationSyncSeconds + 1) * 1000;
        const ended = await deleteUser(stores, config, clock, user, async () => {
          io.stdout(
            `ended the user's sessions; waiting ${waitMs / 1000} s for running servers to read that\n`,
          );
          await new Promise((resolve) => setTimeout(resolve, waitMs));
        });
        if (ended === null) {
          io.stderr('error: no such user\n');
          return 1;
        }
        io.stdout(`deleted user ${user.id}; ended ${ended.length} session(s)\n`);
        if (ended.length > 0) io.stdout(`note: ${syncNote(config)}\n`);
        return 0;
      },
      USERS_STORAGE,
    );
  },
};

/**
 * Accounts: sign-up, password login with throttling, password change. Knows nothing of HTTP.
 */
import { createHash } from 'node:crypto';
import type { Clock, RandomSource } from '../core/index.js';
import { AuthError, createRandomId } from '../core/index.js';
import type { LimitStore, SecurityEvent, SecurityEventStore } from '../limits/index.js';
import {
  ACCOUNT_ADDRESS_POLICY,
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  addressKeyOf,
  KNOWN_ADDRESS_MS,
  PASSWORD_CHANGE_POLICY,
  SIGNUP_ADDRESS_POLICY,
  SIGNUP_GLOBAL_POLICY,
} from '../limits/index.js';
import {
  createWorkQueue,
  hashPassword,
  needsRehash,
  type PasswordHashParams,
  verifyPassword,
  type WorkQueue,
} from '../passwords/index.js';
import { emailForLogin, parseEmail } from './email.js';
import type { AccountStore, UserRecord } from './store.js';
import { reserveAll, type ThrottleKey } from './throttle.js';

export interface AccountServiceOptions {
  readonly store: AccountStore;
  readonly limits: LimitStore;
  readonly events: SecurityEventStore;
  readonly passwordParams: PasswordHashParams;
  /** A hash of a random password, verified when the email is unknown (equal timing). */
  readonly dummyHash: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  /**
   * How long `findUser` may answer from memory (default 30 s; 0 turns it off). `{id, email}`
   * only changes when an account is deleted (`gatehouse users delete`, which ends its sessions
   * first), so a request authenticated by a token that verified in memory needs no storage read
   * either.
   */
  readonly userCacheTtlMs?: number;
  /** The bounded queue every argon2id hash and verification goes through (default: 4 running, 64 waiting). */
  readonly passwordQueue?: WorkQueue;
  /**
   * Refuse sign-in (ERR_AUTH_EMAIL_NOT_VERIFIED, only after the password matched: a stranger
   * learns nothing) until the address is verified (default false).
   */
  readonly requireVerifiedEmail?: boolean;
}

export interface PublicUser {
  readonly id: string;
  readonly email: string;
  readonly emailVerified: boolean;
}

export interface AccountService {
  /**
   * @throws AuthError ERR_AUTH_PASSWORD_POLICY, ERR_AUTH_EMAIL_TAKEN, ERR_REQUEST_INVALID (email),
   *   ERR_AUTH_RATE_LIMITED (per address and overall), ERR_AUTH_BUSY
   */
  signup(
    email: string,
    password: string,
    ip: string | null,
    userAgent?: string | null,
  ): Promise<PublicUser>;
  /**
   * Checks a password. Throttle slots are reserved before any hashing.
   * @throws AuthError ERR_AUTH_INVALID_CREDENTIALS, ERR_AUTH_RATE_LIMITED (details.retryAfterSeconds), ERR_AUTH_BUSY
   */
  authenticate(email: string, password: string, ip: string | null): Promise<PublicUser>;
  /**
   * @throws AuthError ERR_AUTH_INVALID_CREDENTIALS, ERR_AUTH_PASSWORD_POLICY,
   *   ERR_AUTH_RATE_LIMITED (wrong current passwords, per user), ERR_AUTH_BUSY
   */
  changePassword(
    userId: string,
    currentPassword: string,
    newPassword: string,
    ip: string | null,
    userAgent?: string | null,
  ): Promise<void>;
  /**
   * Checks a signed-in user's password again before a sensitive change (a new email address,
   * deleting the account). Throttled per user with the password change's budget: a stolen token
   * or cookie must not become unlimited guesses. A failure records `reauthentication_failed`.
   * @throws AuthError ERR_AUTH_INVALID_CREDENTIALS (wrong password, or no such user),
   *   ERR_AUTH_RATE_LIMITED, ERR_AUTH_BUSY
   */
  reauthenticate(
    userId: string,
    password: string,
    ip: string | null,
    userAgent?: string | null,
  ): Promise<PublicUser>;
  findUser(id: string): Promise<PublicUser | null>;
  /** Drops a user from `findUser`'s memory (after a change of what it shows). */
  forgetUser(id: string): void;
  /**
   * Checks a new password against the policy and hashes it (argon2id, through the queue).
   * @throws AuthError ERR_AUTH_PASSWORD_POLICY, ERR_AUTH_BUSY
   */
  hashNewPassword(password: string): Promise<string>;
}

export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 256;

/** NIST SP 800-63B 5.1.1.2: normalise (NFKC), then count characters; no composition rules. */
export function normalisePassword(password: string): string {
  const normalised = password.normalize('NFKC');
  const length = [...normalised].length;
  if (length < PASSWORD_MIN || length > PASSWORD_MAX) {
    throw new AuthError(
      'ERR_AUTH_PASSWORD_POLICY',
      `passwords must be ${PASSWORD_MIN} to ${PASSWORD_MAX} characters`,
    );
  }
  return normalised;
}

const publicUser = (user: UserRecord): PublicUser => ({
  id: user.id,
  email: user.email,
  emailVerified: (user.emailVerifiedAtMs ?? null) !== null,
});
const USER_CACHE_SIZE = 10_000;
// Keys name an account by a hash of its email: the limiter's storage holds no address book.
const accountId = (email: string) => createHash('sha256').update(email).digest('base64url');
const SIGNUP_EVERYWHERE = 'signup:all';

/** Creates the account service. */
export function createAccountService(options: AccountServiceOptions): AccountService {
  const { store, limits, events, passwordParams, dummyHash, clock, random } = options;

  const invalidCredentials = () =>
    new AuthError('ERR_AUTH_INVALID_CREDENTIALS', 'invalid email or password');
  const userCacheTtlMs = options.userCacheTtlMs ?? 30_000;
  const userCache = new Map<string, { user: PublicUser; untilMs: number }>();

  const passwordQueue = options.passwordQueue ?? createWorkQueue();
  const record = (
    type: SecurityEvent['type'],
    ip: string | null,
    userId: string | null = null,
    userAgent: string | null = null,
  ) => events.recordEvent({ type, userId, sessionId: null, ip, userAgent, atMs: clock.nowMs() });

  /**
   * Runs password work for an attempt that holds throttle slots. When the queue is full nothing
   * was hashed: the slots go back, so a busy server does not count against anyone.
   */
  const hashing = async <T>(keys: readonly ThrottleKey[], work: () => Promise<T>): Promise<T> => {
    try {
      return await passwordQueue.run(work);
    } catch (error) {
      if (error instanceof AuthError && error.code === 'ERR_AUTH_BUSY')
        for (const entry of keys) await limits.refund(entry.key);
      throw error;
    }
  };

  const knownKey = (account: string, address: string) => `known:${account}:${address}`;

  /**
   * The throttle keys of a login: the account at this address, the account everywhere (not for
   * an address where the owner signed in lately: strangers elsewhere cannot lock it out), and
   * the address across accounts.
   */
  const loginKeys = async (account: string, ip: string | null): Promise<ThrottleKey[]> => {
    if (ip === null) return [{ key: `account:${account}`, policy: ACCOUNT_POLICY }];
    const address = addressKeyOf(ip);
    const known = await limits.getLimit(knownKey(account, address));
    return [
      { key: `account-address:${account}:${address}`, policy: ACCOUNT_ADDRESS_POLICY },
      ...(known !== null && known.blockedUntilMs > clock.nowMs()
        ? []
        : [{ key: `account:${account}`, policy: ACCOUNT_POLICY }]),
      { key: `address:${address}`, policy: ADDRESS_POLICY },
    ];
  };

  return {
    async signup(email, password, ip, userAgent = null) {
      // One rule for every address (accounts/email.ts): normalised, then refused or kept.
      const normalisedEmail = parseEmail(email);
      const normalisedPassword = normalisePassword(password);
      // Every sign-up costs a hash: reserved per address and overall before it runs (given back
      // only when the hash did not run at all).
      const keys: ThrottleKey[] = [{ key: SIGNUP_EVERYWHERE, policy: SIGNUP_GLOBAL_POLICY }];
      if (ip !== null)
        keys.unshift({ key: `signup:${addressKeyOf(ip)}`, policy: SIGNUP_ADDRESS_POLICY });
      if ((await reserveAll(limits, keys, clock.nowMs())).length > 0)
        await record('signup_rate_limited', ip);
      const passwordHash = await hashing(keys, () =>
        hashPassword(normalisedPassword, passwordParams),
      );
      const now = clock.nowMs();
      const user: UserRecord = {
        id: createRandomId(random),
        email: normalisedEmail,
        passwordHash,
        createdAtMs: now,
        updatedAtMs: now,
        emailVerifiedAtMs: null,
      };
      if (!(await store.createUser(user)))
        throw new AuthError('ERR_AUTH_EMAIL_TAKEN', 'an account with this email exists');
      await record('signup', ip, user.id, userAgent);
      return publicUser(user);
    },

    async authenticate(email, password, ip) {
      // A refused address becomes one no account has: the same work, the same answer.
      const normalisedEmail = emailForLogin(email);
      const account = accountId(normalisedEmail);
      const keys = await loginKeys(account, ip);
      // Reserved before any hashing: parallel attempts are counted one after the other.
      if ((await reserveAll(limits, keys, clock.nowMs())).length > 0)
        await record('login_rate_limited', ip);
      const user = await store.findUserByEmail(normalisedEmail);
      const normalised = password.normalize('NFKC');
      // Hash the dummy when the user does not exist: the same work, the same answer.
      const ok = await hashing(keys, () =>
        verifyPassword(user?.passwordHash ?? dummyHash, normalised),
      );
      if (user === null || !ok) {
        await record('login_failed', ip);
        throw invalidCredentials();
      }
      // Only now, with the password proven: the answer tells nothing to whoever does not know it.
      // A disabled account first: verifying its address would not let it in.
      if ((user.disabledAtMs ?? null) !== null) {
        for (const entry of keys) await limits.refund(entry.key);
        throw new AuthError('ERR_AUTH_ACCOUNT_DISABLED', 'this account is disabled');
      }
      if (options.requireVerifiedEmail === true && (user.emailVerifiedAtMs ?? null) === null) {
        for (const entry of keys) await limits.refund(entry.key);
        throw new AuthError(
          'ERR_AUTH_EMAIL_NOT_VERIFIED',
          'the email address of this account is not verified yet',
        );
      }
      // The owner proved the password: this address's budget for the account starts over, and
      // the wider budgets get this attempt's slot back.
      const [first, ...wider] = keys;
      if (first !== undefined) {
        if (wider.length === 0) await limits.refund(first.key);
        else await limits.deleteLimit(first.key);
      }
      for (const entry of wider) await limits.refund(entry.key);
      if (ip !== null) {
        const now = clock.nowMs();
        await limits.markKnown(knownKey(account, addressKeyOf(ip)), now, now + KNOWN_ADDRESS_MS);
      }
      if (needsRehash(user.passwordHash, passwordParams)) {
        await store.updatePasswordHash(
          user.id,
          await passwordQueue.run(() => hashPassword(normalised, passwordParams)),
          clock.nowMs(),
        );
      }
      return publicUser(user);
    },

    async changePassword(userId, currentPassword, newPassword, ip, userAgent = null) {
      const user = await store.findUserById(userId);
      if (user === null) throw invalidCredentials();
      const next = normalisePassword(newPassword);
      // A stolen token or cookie must not become unlimited guesses at the current password.
      const key = `password:${userId}`;
      const keys = [{ key, policy: PASSWORD_CHANGE_POLICY }];
      if ((await reserveAll(limits, keys, clock.nowMs())).length > 0)
        await record('login_rate_limited', ip, userId);
      const current = currentPassword.normalize('NFKC');
      if (!(await hashing(keys, () => verifyPassword(user.passwordHash, current)))) {
        await record('password_change_failed', ip, userId);
        throw invalidCredentials();
      }
      await limits.deleteLimit(key);
      await store.updatePasswordHash(
        userId,
        await passwordQueue.run(() => hashPassword(next, passwordParams)),
        clock.nowMs(),
      );
      await record('password_changed', ip, userId, userAgent);
    },

    async reauthenticate(userId, password, ip, userAgent = null) {
      const user = await store.findUserById(userId);
      if (user === null) throw invalidCredentials();
      // The same key as changePassword: one budget of guesses per user, whichever form asks.
      const key = `password:${userId}`;
      const keys = [{ key, policy: PASSWORD_CHANGE_POLICY }];
      if ((await reserveAll(limits, keys, clock.nowMs())).length > 0)
        await record('login_rate_limited', ip, userId);
      const given = password.normalize('NFKC');
      if (!(await hashing(keys, () => verifyPassword(user.passwordHash, given)))) {
        await record('reauthentication_failed', ip, userId, userAgent);
        throw invalidCredentials();
      }
      await limits.deleteLimit(key);
      return publicUser(user);
    },

    forgetUser(id) {
      userCache.delete(id);
    },

    async hashNewPassword(password) {
      const normalised = normalisePassword(password);
      return passwordQueue.run(() => hashPassword(normalised, passwordParams));
    },

    async findUser(id) {
      const now = clock.nowMs();
      const cached = userCache.get(id);
      if (cached !== undefined && now < cached.untilMs) return cached.user;
      const user = await store.findUserById(id);
      if (user === null) {
        userCache.delete(id);
        return null;
      }
      const view = publicUser(user);
      if (userCacheTtlMs > 0) {
        if (userCache.size >= USER_CACHE_SIZE)
          userCache.delete(userCache.keys().next().value as string);
        userCache.set(id, { user: view, untilMs: now + userCacheTtlMs });
      }
      return view;
    },
  };
}

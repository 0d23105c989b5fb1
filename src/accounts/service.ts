/**
 * Accounts: sign-up, password login with throttling, password change. Knows nothing of HTTP.
 */
import { createHash } from 'node:crypto';
import type { Clock, RandomSource } from '../core/index.js';
import { AuthError, createRandomId } from '../core/index.js';
import type { LimitStore, SecurityEventStore } from '../limits/index.js';
import { ACCOUNT_POLICY, ADDRESS_POLICY, checkLimit } from '../limits/index.js';
import {
  hashPassword,
  needsRehash,
  type PasswordHashParams,
  verifyPassword,
} from '../passwords/index.js';
import { emailForLogin, parseEmail } from './email.js';
import type { AccountStore, UserRecord } from './store.js';

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
   * only changes when an account is deleted (not yet possible), so a request authenticated by a
   * token that verified in memory needs no storage read either.
   */
  readonly userCacheTtlMs?: number;
}

export interface PublicUser {
  readonly id: string;
  readonly email: string;
}

export interface AccountService {
  /** @throws AuthError ERR_AUTH_PASSWORD_POLICY, ERR_AUTH_EMAIL_TAKEN, ERR_REQUEST_INVALID (email) */
  signup(email: string, password: string): Promise<PublicUser>;
  /** @throws AuthError ERR_AUTH_INVALID_CREDENTIALS, ERR_AUTH_RATE_LIMITED (details.retryAfterSeconds) */
  authenticate(email: string, password: string, ip: string | null): Promise<PublicUser>;
  /** @throws AuthError ERR_AUTH_INVALID_CREDENTIALS, ERR_AUTH_PASSWORD_POLICY */
  changePassword(
    userId: string,
    currentPassword: string,
    newPassword: string,
    ip: string | null,
  ): Promise<void>;
  findUser(id: string): Promise<PublicUser | null>;
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

const publicUser = (user: UserRecord): PublicUser => ({ id: user.id, email: user.email });
const USER_CACHE_SIZE = 10_000;
const accountKey = (email: string) =>
  `account:${createHash('sha256').update(email).digest('base64url')}`;
const addressKey = (ip: string) => `address:${ip}`;

/** Creates the account service. */
export function createAccountService(options: AccountServiceOptions): AccountService {
  const { store, limits, events, passwordParams, dummyHash, clock, random } = options;

  const invalidCredentials = () =>
    new AuthError('ERR_AUTH_INVALID_CREDENTIALS', 'invalid email or password');
  const userCacheTtlMs = options.userCacheTtlMs ?? 30_000;
  const userCache = new Map<string, { user: PublicUser; untilMs: number }>();

  const recordFailure = async (keys: string[], ip: string | null) => {
    const now = clock.nowMs();
    for (const key of keys) {
      await limits.recordFailure(
        key,
        now,
        key.startsWith('address:') ? ADDRESS_POLICY : ACCOUNT_POLICY,
      );
    }
    await events.recordEvent({
      type: 'login_failed',
      userId: null,
      sessionId: null,
      ip,
      atMs: now,
    });
  };

  return {
    async signup(email, password) {
      // One rule for every address (accounts/email.ts): normalised, then refused or kept.
      const normalisedEmail = parseEmail(email);
      const passwordHash = await hashPassword(normalisePassword(password), passwordParams);
      const now = clock.nowMs();
      const user: UserRecord = {
        id: createRandomId(random),
        email: normalisedEmail,
        passwordHash,
        createdAtMs: now,
        updatedAtMs: now,
      };
      if (!(await store.createUser(user)))
        throw new AuthError('ERR_AUTH_EMAIL_TAKEN', 'an account with this email exists');
      return publicUser(user);
    },

    async authenticate(email, password, ip) {
      // A refused address becomes one no account has: the same work, the same answer.
      const normalisedEmail = emailForLogin(email);
      const keys = [accountKey(normalisedEmail), ...(ip === null ? [] : [addressKey(ip)])];
      const now = clock.nowMs();
      let waitMs = 0;
      for (const key of keys)
        waitMs = Math.max(waitMs, checkLimit(await limits.getLimit(key), now));
      if (waitMs > 0) {
        await events.recordEvent({
          type: 'login_rate_limited',
          userId: null,
          sessionId: null,
          ip,
          atMs: now,
        });
        throw new AuthError('ERR_AUTH_RATE_LIMITED', 'too many failed logins; retry later', {
          retryAfterSeconds: Math.ceil(waitMs / 1000),
        });
      }
      const user = await store.findUserByEmail(normalisedEmail);
      const normalised = password.normalize('NFKC');
      // Hash the dummy when the user does not exist: the same work, the same answer.
      const ok = await verifyPassword(user?.passwordHash ?? dummyHash, normalised);
      if (user === null || !ok) {
        await recordFailure(keys, ip);
        throw invalidCredentials();
      }
      await limits.deleteLimit(keys[0] as string);
      if (needsRehash(user.passwordHash, passwordParams)) {
        await store.updatePasswordHash(
          user.id,
          await hashPassword(normalised, passwordParams),
          clock.nowMs(),
        );
      }
      return publicUser(user);
    },

    async changePassword(userId, currentPassword, newPassword, ip) {
      const user = await store.findUserById(userId);
      if (user === null) throw invalidCredentials();
      const next = normalisePassword(newPassword);
      if (!(await verifyPassword(user.passwordHash, currentPassword.normalize('NFKC')))) {
        await recordFailure([accountKey(user.email)], ip);
        throw invalidCredentials();
      }
      await store.updatePasswordHash(
        userId,
        await hashPassword(next, passwordParams),
        clock.nowMs(),
      );
      await events.recordEvent({
        type: 'password_changed',
        userId,
        sessionId: null,
        ip,
        atMs: clock.nowMs(),
      });
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

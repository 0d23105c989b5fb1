/**
 * Account recovery and verification by email: the links (single-use `<id>.<secret>` tokens, only
 * the secret's SHA-256 stored), the messages that carry them (into the outbox, never sent from a
 * request), and what following a link does. Knows nothing of HTTP or of how mail is sent.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import {
  type AccountService,
  type AccountStore,
  parseEmail,
  reserveAll,
  type ThrottleKey,
} from '../accounts/index.js';
import {
  AuthError,
  type Clock,
  createOpaqueToken,
  createRandomId,
  parseOpaqueToken,
  type RandomSource,
} from '../core/index.js';
import {
  addressKeyOf,
  type LimitStore,
  MAIL_ADDRESS_POLICY,
  MAIL_RECIPIENT_POLICY,
  type SecurityEvent,
  type SecurityEventStore,
} from '../limits/index.js';
import { type MailKind, type MailMessage, renderMail } from '../mail/index.js';
import type { EmailTokenPurpose, EmailTokenRecord, EmailTokenStore } from './store.js';

export interface AccountLifecycleOptions {
  readonly users: AccountStore;
  /** Password policy and hashing (argon2id through its queue), and its user cache. */
  readonly accounts: Pick<AccountService, 'hashNewPassword' | 'forgetUser'>;
  readonly tokens: EmailTokenStore;
  readonly limits: LimitStore;
  readonly events: SecurityEventStore;
  /** Ends every session of a user (the sessions service: the revocation registry hears of it). */
  readonly endSessions: (userId: string, reason: string) => Promise<unknown>;
  /** The issuer URL: links point at its pages. */
  readonly issuer: string;
  readonly verificationTtlMs: number;
  readonly resetTtlMs: number;
  readonly clock: Clock;
  readonly random: RandomSource;
}

/** Who asked: for throttling and the audit trail. */
export interface RequestMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

export interface AccountLifecycle {
  /** Queues a verification link to a new account's address (after sign-up). */
  sendVerification(user: { readonly id: string; readonly email: string }): Promise<void>;
  /**
   * Queues a new verification link when the address has an unverified account; otherwise does
   * nothing. The caller answers the same either way.
   * @throws AuthError ERR_REQUEST_INVALID (not an address), ERR_AUTH_RATE_LIMITED
   */
  resendVerification(email: string, meta: RequestMeta): Promise<void>;
  /**
   * Follows a verification link.
   * @throws AuthError ERR_EMAIL_LINK_INVALID
   */
  verifyEmail(token: string, meta: RequestMeta): Promise<void>;
  /**
   * Queues a reset link (an account has the address) or a notice that none does: the same work
   * and the same answer either way.
   * @throws AuthError ERR_REQUEST_INVALID (not an address), ERR_AUTH_RATE_LIMITED
   */
  requestPasswordReset(email: string, meta: RequestMeta): Promise<void>;
  /**
   * Follows a reset link: sets the password, ends every session of the user, kills the user's
   * other reset links, records `password_reset`.
   * @throws AuthError ERR_EMAIL_LINK_INVALID, ERR_AUTH_PASSWORD_POLICY (the link stays usable),
   *   ERR_AUTH_BUSY
   */
  resetPassword(token: string, newPassword: string, meta: RequestMeta): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

const LINK_PAGES: Readonly<Record<EmailTokenPurpose, string>> = {
  verify_email: '/verify-email',
  reset_password: '/reset-password',
};

/**
 * Creates the service.
 *
 * @example
 * const lifecycle = createAccountLifecycle({ users, accounts, tokens, limits, events, endSessions, issuer, verificationTtlMs, resetTtlMs, clock, random });
 * await lifecycle.requestPasswordReset('a@example.com', { ip, userAgent });
 */
export function createAccountLifecycle(options: AccountLifecycleOptions): AccountLifecycle {
  const { users, accounts, tokens, limits, events, clock, random } = options;
  const serviceName = new URL(options.issuer).host;
  const ttlOf = (purpose: EmailTokenPurpose) =>
    purpose === 'verify_email' ? options.verificationTtlMs : options.resetTtlMs;

  const record = (type: SecurityEvent['type'], meta: RequestMeta, userId: string | null) =>
    events.recordEvent({
      type,
      userId,
      sessionId: null,
      ip: meta.ip,
      userAgent: meta.userAgent,
      atMs: clock.nowMs(),
    });

  const message = (
    kind: MailKind,
    to: string,
    link: string | null,
    ttlMs: number,
  ): MailMessage => ({
    id: createRandomId(random),
    to,
    ...renderMail(kind, { serviceName, link, validMinutes: Math.round(ttlMs / 60_000) }),
  });

  /**
   * Stores a link and queues its message in one transaction. With `notice`, the message carries no
   * link and the stored one belongs to no account (a random user id): the same statements and the
   * same work as a real link, for an address without an account.
   */
  const issue = async (
    purpose: EmailTokenPurpose,
    user: { id: string; email: string },
    notice = false,
  ) => {
    const now = clock.nowMs();
    const ttlMs = ttlOf(purpose);
    const { id, secret, token } = createOpaqueToken(random);
    // In the fragment: never sent to a server, so never in an access log or a Referer.
    const link = `${options.issuer}${LINK_PAGES[purpose]}#token=${token}`;
    await tokens.issueToken(
      {
        id,
        secretHash: sha256(secret),
        purpose,
        userId: user.id,
        email: user.email,
        createdAtMs: now,
        expiresAtMs: now + ttlMs,
        consumedAtMs: null,
      },
      notice
        ? message('reset_unknown', user.email, null, ttlMs)
        : message(purpose, user.email, link, ttlMs),
    );
  };

  /** Per recipient and per client address, never refunded; the same for every address. */
  const throttle = async (email: string, meta: RequestMeta) => {
    const keys: ThrottleKey[] = [
      { key: `mail-to:${sha256(email)}`, policy: MAIL_RECIPIENT_POLICY },
    ];
    if (meta.ip !== null)
      keys.push({ key: `mail-from:${addressKeyOf(meta.ip)}`, policy: MAIL_ADDRESS_POLICY });
    await reserveAll(limits, keys, clock.nowMs());
  };

  const refuse = async (reason: string, meta: RequestMeta, userId: string | null = null) => {
    await record('email_link_refused', meta, userId);
    return new AuthError('ERR_EMAIL_LINK_INVALID', 'the link is invalid, expired or used', {
      reason,
    });
  };

  /** Checks a presented link without consuming it; the consumption is one statement later. */
  const check = async (
    presented: string,
    purpose: EmailTokenPurpose,
    meta: RequestMeta,
  ): Promise<EmailTokenRecord> => {
    const parsed = parseOpaqueToken(presented);
    if (parsed === null) throw await refuse('malformed', meta);
    const stored = await tokens.findToken(parsed.id);
    if (stored === null || stored.purpose !== purpose) throw await refuse('unknown', meta);
    const a = Buffer.from(sha256(parsed.secret));
    const b = Buffer.from(stored.secretHash);
    if (a.length !== b.length || !timingSafeEqual(a, b))
      throw await refuse('altered', meta, stored.userId);
    if (stored.consumedAtMs !== null) throw await refuse('used', meta, stored.userId);
    if (clock.nowMs() >= stored.expiresAtMs) throw await refuse('expired', meta, stored.userId);
    return stored;
  };

  const consume = async (stored: EmailTokenRecord, meta: RequestMeta) => {
    // Two requests with one link: the statement lets exactly one of them through.
    if (!(await tokens.consumeToken(stored.id, stored.purpose, clock.nowMs())))
      throw await refuse('used', meta, stored.userId);
  };

  return {
    async sendVerification(user) {
      await issue('verify_email', user);
    },

    async resendVerification(email, meta) {
      const normalised = parseEmail(email);
      await throttle(normalised, meta);
      const user = await users.findUserByEmail(normalised);
      if (user === null || (user.emailVerifiedAtMs ?? null) !== null) return;
      await issue('verify_email', user);
    },

    async verifyEmail(token, meta) {
      const stored = await check(token, 'verify_email', meta);
      await consume(stored, meta);
      // The address may have changed since the link was sent: then it proves nothing.
      if (!(await users.markEmailVerified(stored.userId, stored.email, clock.nowMs())))
        throw await refuse('email_changed', meta, stored.userId);
      accounts.forgetUser(stored.userId);
      await record('email_verified', meta, stored.userId);
    },

    async requestPasswordReset(email, meta) {
      const normalised = parseEmail(email);
      await throttle(normalised, meta);
      // Known or not: one lookup, one link stored with its message in one transaction, one
      // event; the same answer. Unknown: the link is of no account and the message a notice.
      const user = await users.findUserByEmail(normalised);
      if (user !== null) await issue('reset_password', user);
      else await issue('reset_password', { id: createRandomId(random), email: normalised }, true);
      await record('password_reset_requested', meta, user?.id ?? null);
    },

    async resetPassword(token, newPassword, meta) {
      const stored = await check(token, 'reset_password', meta);
      // The policy and the hash before the link is spent: a refused password leaves it usable.
      const passwordHash = await accounts.hashNewPassword(newPassword);
      await consume(stored, meta);
      const now = clock.nowMs();
      await users.updatePasswordHash(stored.userId, passwordHash, now);
      await tokens.consumeUserTokens(stored.userId, 'reset_password', now);
      // The link reached the inbox: the address is proven as well.
      await users.markEmailVerified(stored.userId, stored.email, now);
      await options.endSessions(stored.userId, 'password_reset');
      accounts.forgetUser(stored.userId);
      await record('password_reset', meta, stored.userId);
    },
  };
}

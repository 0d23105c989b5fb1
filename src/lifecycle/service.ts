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
  LINK_ADDRESS_POLICY,
  type LimitStore,
  MAIL_ADDRESS_POLICY,
  MAIL_RECIPIENT_POLICY,
  type SecurityEvent,
  type SecurityEventStore,
} from '../limits/index.js';
import { type MailBrand, type MailKind, type MailMessage, renderMail } from '../mail/index.js';
import type { EmailTokenPurpose, EmailTokenRecord, EmailTokenStore } from './store.js';

export interface AccountLifecycleOptions {
  readonly users: AccountStore;
  /** Password policy and hashing (argon2id through its queue), re-authentication, the user cache. */
  readonly accounts: Pick<AccountService, 'hashNewPassword' | 'forgetUser' | 'reauthenticate'>;
  readonly tokens: EmailTokenStore;
  readonly limits: LimitStore;
  readonly events: SecurityEventStore;
  /** Ends every session of a user (the sessions service: the revocation registry hears of it). */
  readonly endSessions: (userId: string, reason: string) => Promise<readonly string[]>;
  /**
   * Waits until every instance has learnt of sessions just ended (their storage poll reads the
   * session rows, which deleting an account removes). Called before a deletion, when sessions ended.
   */
  readonly settleRevocations: () => Promise<void>;
  /** The issuer URL: links point at its pages. */
  readonly issuer: string;
  /** The product's name in messages; default: the issuer's host. */
  readonly productName?: string | null;
  /** The product's look in messages; default: plain. */
  readonly brand?: MailBrand;
  readonly verificationTtlMs: number;
  readonly resetTtlMs: number;
  /** How long the link to the new address of an email change works. */
  readonly emailChangeTtlMs: number;
  /** How long the undo link sent to the old address works. */
  readonly emailChangeUndoTtlMs: number;
  readonly clock: Clock;
  readonly random: RandomSource;
}

/** Who asked: for throttling and the audit trail. */
export interface RequestMeta {
  readonly ip: string | null;
  readonly userAgent: string | null;
}

/** A request following a link: with the wait, when its client address is past its budget. */
interface LinkMeta extends RequestMeta {
  readonly overBudgetSeconds: number | null;
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
   * Follows a verification link. Every link-following method is throttled per client address on
   * refused links (LINK_ADDRESS_POLICY): past the budget, a link that would be refused answers
   * ERR_AUTH_RATE_LIMITED instead and records nothing; a working link still works.
   * @throws AuthError ERR_EMAIL_LINK_INVALID, ERR_AUTH_RATE_LIMITED
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
   * @throws AuthError ERR_EMAIL_LINK_INVALID, ERR_AUTH_RATE_LIMITED, ERR_AUTH_PASSWORD_POLICY
   *   (the link stays usable), ERR_AUTH_BUSY
   */
  resetPassword(token: string, newPassword: string, meta: RequestMeta): Promise<void>;
  /**
   * A signed-in user asks to move the account to `newEmail`, with the current password: a
   * confirmation link goes to the new address, a notice with an undo link to the old one (or, when
   * another account has the new address, only a notice to it: the same answer either way). A new
   * request spends the user's earlier confirmation links. Records `email_change_requested`.
   * @throws AuthError ERR_AUTH_INVALID_CREDENTIALS (wrong password), ERR_REQUEST_INVALID (not an
   *   address, or the account's own), ERR_AUTH_RATE_LIMITED, ERR_AUTH_BUSY
   */
  requestEmailChange(
    userId: string,
    password: string,
    newEmail: string,
    meta: RequestMeta,
  ): Promise<void>;
  /**
   * Follows the link sent to the new address: the account takes it, verified. Records
   * `email_changed`.
   * @throws AuthError ERR_EMAIL_LINK_INVALID, ERR_AUTH_RATE_LIMITED, ERR_AUTH_EMAIL_TAKEN (another
   *   account took the address meanwhile; the link is spent)
   */
  confirmEmailChange(token: string, meta: RequestMeta): Promise<void>;
  /**
   * Follows the undo link sent to the old address: the account gets that address back (verified),
   * every session ends, every pending link of the user is spent, and with `newPassword` the
   * password is replaced too (whoever changed the address knew the old one); required when the
   * password was reset or changed since the change was asked for. Records `email_change_undone`.
   * @throws AuthError ERR_EMAIL_LINK_INVALID, ERR_AUTH_RATE_LIMITED, ERR_AUTH_EMAIL_TAKEN (another
   *   account has the old address now), ERR_AUTH_PASSWORD_POLICY (the link stays usable), ERR_REQUEST_INVALID
   *   (new_password_required; the link stays usable), ERR_AUTH_BUSY
   */
  undoEmailChange(token: string, newPassword: string | undefined, meta: RequestMeta): Promise<void>;
  /**
   * A signed-in user deletes the account, with the current password: every session ends (the
   * revocation list, at once), then once every instance has learnt of it the account and its
   * personal data go (sessions, refresh tokens, links, roles, events, queued mail). Keeps one
   * `account_deleted` event with the user id only: no address, IP or User-Agent.
   * @throws AuthError ERR_AUTH_INVALID_CREDENTIALS, ERR_AUTH_RATE_LIMITED, ERR_AUTH_BUSY
   */
  deleteAccount(userId: string, password: string, meta: RequestMeta): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('base64url');

const LINK_PAGES: Readonly<Record<EmailTokenPurpose, string>> = {
  verify_email: '/verify-email',
  reset_password: '/reset-password',
  change_email: '/confirm-email',
  undo_email_change: '/undo-email-change',
};

/** The message that carries each kind of link. */
const LINK_MAIL: Readonly<Record<EmailTokenPurpose, MailKind>> = {
  verify_email: 'verify_email',
  reset_password: 'reset_password',
  change_email: 'change_email',
  undo_email_change: 'change_email_notice',
};

/** What a notice (no link for anyone) says instead, per purpose. */
const NOTICE_MAIL: Partial<Record<EmailTokenPurpose, MailKind>> = {
  reset_password: 'reset_unknown',
  change_email: 'change_email_taken',
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
  const serviceName = options.productName ?? new URL(options.issuer).host;
  const brand = options.brand === undefined ? {} : { brand: options.brand };
  const TTLS: Readonly<Record<EmailTokenPurpose, number>> = {
    verify_email: options.verificationTtlMs,
    reset_password: options.resetTtlMs,
    change_email: options.emailChangeTtlMs,
    undo_email_change: options.emailChangeUndoTtlMs,
  };
  const ttlOf = (purpose: EmailTokenPurpose) => TTLS[purpose];

  const record = (type: SecurityEvent['type'], meta: RequestMeta | null, userId: string | null) =>
    events.recordEvent({
      type,
      userId,
      sessionId: null,
      ip: meta?.ip ?? null,
      userAgent: meta?.userAgent ?? null,
      atMs: clock.nowMs(),
    });

  const message = (
    kind: MailKind,
    to: string,
    link: string | null,
    ttlMs: number,
    detail?: string,
  ): MailMessage => ({
    id: createRandomId(random),
    to,
    ...renderMail(kind, {
      serviceName,
      link,
      validMinutes: Math.round(ttlMs / 60_000),
      ...(detail === undefined ? {} : { detail }),
      ...brand,
    }),
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
    detail?: string,
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
        ? message(NOTICE_MAIL[purpose] ?? 'reset_unknown', user.email, null, ttlMs, detail)
        : message(LINK_MAIL[purpose], user.email, link, ttlMs, detail),
    );
  };

  /**
   * Per recipient and per client address (and per account, for what a signed-in user asks),
   * never refunded; the same for every address.
   */
  const throttle = async (email: string, meta: RequestMeta, userId?: string) => {
    const keys: ThrottleKey[] = [
      { key: `mail-to:${sha256(email)}`, policy: MAIL_RECIPIENT_POLICY },
    ];
    if (userId !== undefined)
      keys.push({ key: `mail-by:${userId}`, policy: MAIL_RECIPIENT_POLICY });
    if (meta.ip !== null)
      keys.push({ key: `mail-from:${addressKeyOf(meta.ip)}`, policy: MAIL_ADDRESS_POLICY });
    await reserveAll(limits, keys, clock.nowMs());
  };

  /**
   * Refuses a link: recorded and answered `invalid_link` while the client address is within its
   * budget; past it, answered 429 and written nowhere (`overBudgetSeconds`: the wait).
   */
  const refuse = async (reason: string, meta: LinkMeta, userId: string | null = null) => {
    if (meta.overBudgetSeconds !== null)
      return new AuthError('ERR_AUTH_RATE_LIMITED', 'too many refused links; retry later', {
        retryAfterSeconds: meta.overBudgetSeconds,
      });
    await record('email_link_refused', meta, userId);
    return new AuthError('ERR_EMAIL_LINK_INVALID', 'the link is invalid, expired or used', {
      reason,
    });
  };

  /**
   * Follows a link under the client address's budget of refused links. The slot is reserved
   * before the lookup (one atomic step in every store), so parallel refusals are counted one
   * after the other and no burst writes more than the budget; a link that works (or fails for
   * another reason: a weak password, a busy server) gives it back. Past the budget the link is
   * still looked up: a working link still works, so a flood from a shared address locks no one's
   * real link out, and a refused one answers 429 without a write.
   */
  const followLink = async (meta: RequestMeta, follow: (link: LinkMeta) => Promise<void>) => {
    if (meta.ip === null) return follow({ ...meta, overBudgetSeconds: null });
    const key = `link-from:${addressKeyOf(meta.ip)}`;
    const reservation = await limits.reserve(key, clock.nowMs(), LINK_ADDRESS_POLICY);
    if (!reservation.allowed)
      return follow({
        ...meta,
        overBudgetSeconds: Math.max(1, Math.ceil(reservation.retryAfterMs / 1000)),
      });
    // The one event of a block: the requests it refuses write nothing.
    if (reservation.startedBlock) await record('email_link_rate_limited', meta, null);
    try {
      await follow({ ...meta, overBudgetSeconds: null });
    } catch (error) {
      if (!(error instanceof AuthError && error.code === 'ERR_EMAIL_LINK_INVALID'))
        await limits.refund(key);
      throw error;
    }
    await limits.refund(key);
  };

  /** Checks a presented link without consuming it; the consumption is one statement later. */
  const check = async (
    presented: string,
    purpose: EmailTokenPurpose,
    meta: LinkMeta,
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

  /** Whether the account's password was reset or changed at or after `sinceMs`. */
  const passwordChangedSince = async (userId: string, sinceMs: number) => {
    for (const type of ['password_reset', 'password_changed'] as const)
      if ((await events.listEvents({ userId, type, sinceMs, limit: 1 })).length > 0) return true;
    return false;
  };

  const consume = async (stored: EmailTokenRecord, meta: LinkMeta) => {
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
      await followLink(meta, async (link) => {
        const stored = await check(token, 'verify_email', link);
        await consume(stored, link);
        // The address may have changed since the link was sent: then it proves nothing.
        if (!(await users.markEmailVerified(stored.userId, stored.email, clock.nowMs())))
          throw await refuse('email_changed', link, stored.userId);
        accounts.forgetUser(stored.userId);
        await record('email_verified', link, stored.userId);
      });
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
      await followLink(meta, async (link) => {
        const stored = await check(token, 'reset_password', link);
        // The policy and the hash before the link is spent: a refused password leaves it usable.
        const passwordHash = await accounts.hashNewPassword(newPassword);
        await consume(stored, link);
        const now = clock.nowMs();
        // Only while the link's address is the account's: an undo of an email change (or a
        // confirmed change) racing this reset takes the account away from that inbox.
        if (!(await users.updatePasswordHash(stored.userId, passwordHash, now, stored.email)))
          throw await refuse('email_changed', link, stored.userId);
        await tokens.consumeUserTokens(stored.userId, 'reset_password', now);
        // The link reached the inbox: the address is proven as well.
        await users.markEmailVerified(stored.userId, stored.email, now);
        await options.endSessions(stored.userId, 'password_reset');
        accounts.forgetUser(stored.userId);
        await record('password_reset', link, stored.userId);
      });
    },

    async requestEmailChange(userId, password, newEmail, meta) {
      const normalised = parseEmail(newEmail);
      // The password first: guesses are throttled per user, and cost no mail budget.
      const user = await accounts.reauthenticate(userId, password, meta.ip, meta.userAgent);
      if (normalised === user.email)
        throw new AuthError('ERR_REQUEST_INVALID', 'The new_email is the address of the account.', {
          reason: 'email_unchanged',
        });
      await throttle(normalised, meta, userId);
      // Another account has it: that address gets a notice (the same work as a link), the account
      // nothing. Sign-up tells as much already; the answer here does not.
      if ((await users.findUserByEmail(normalised)) !== null) {
        await issue('change_email', { id: createRandomId(random), email: normalised }, true);
      } else {
        // One pending change at a time: an earlier link to another address dies.
        await tokens.consumeUserTokens(userId, 'change_email', clock.nowMs());
        await issue('change_email', { id: userId, email: normalised });
        await issue(
          'undo_email_change',
          { id: userId, email: user.email },
          false,
          `The new address would be ${normalised}.`,
        );
      }
      await record('email_change_requested', meta, userId);
    },

    async confirmEmailChange(token, meta) {
      await followLink(meta, async (link) => {
        const stored = await check(token, 'change_email', link);
        await consume(stored, link);
        const now = clock.nowMs();
        // Not when the old address undid it meanwhile (an undo spends pending change links, but
        // this one was spent a moment ago, by this call).
        const outcome = await users.changeEmail(
          stored.userId,
          stored.email,
          now,
          now,
          stored.createdAtMs,
        );
        if (outcome === 'gone') throw await refuse('account_gone', link, stored.userId);
        if (outcome === 'undone') throw await refuse('undone', link, stored.userId);
        if (outcome === 'taken')
          throw new AuthError('ERR_AUTH_EMAIL_TAKEN', 'another account has this address now');
        accounts.forgetUser(stored.userId);
        await record('email_changed', link, stored.userId);
      });
    },

    async undoEmailChange(token, newPassword, meta) {
      await followLink(meta, async (link) => {
        const stored = await check(token, 'undo_email_change', link);
        // The password changed since the change was asked for (a reset from the new address, most
        // likely by whoever changed it): keeping it would leave them a way in.
        if (
          newPassword === undefined &&
          (await passwordChangedSince(stored.userId, stored.createdAtMs))
        )
          throw new AuthError(
            'ERR_REQUEST_INVALID',
            'The password was changed after the email change was asked for: choose a new password (new_password) to undo it.',
            { reason: 'new_password_required' },
          );
        // As for a reset: a refused password leaves the link usable.
        const passwordHash =
          newPassword === undefined ? null : await accounts.hashNewPassword(newPassword);
        await consume(stored, link);
        const now = clock.nowMs();
        const outcome = await users.changeEmail(stored.userId, stored.email, now, now);
        if (outcome === 'gone') throw await refuse('account_gone', link, stored.userId);
        if (outcome === 'taken')
          throw new AuthError('ERR_AUTH_EMAIL_TAKEN', 'another account has this address now');
        // Whoever asked for the change may hold links sent to the address they chose.
        for (const purpose of ['change_email', 'reset_password', 'verify_email'] as const)
          await tokens.consumeUserTokens(stored.userId, purpose, now);
        if (passwordHash !== null) await users.updatePasswordHash(stored.userId, passwordHash, now);
        await options.endSessions(stored.userId, 'email_change_undone');
        accounts.forgetUser(stored.userId);
        await record('email_change_undone', link, stored.userId);
      });
    },

    async deleteAccount(userId, password, meta) {
      await accounts.reauthenticate(userId, password, meta.ip, meta.userAgent);
      const ended = await options.endSessions(userId, 'account_deleted');
      if (ended.length > 0) await options.settleRevocations();
      await users.deleteUser(userId);
      accounts.forgetUser(userId);
      // The id only: no address, IP or User-Agent of a person who asked to be forgotten.
      await record('account_deleted', null, userId);
    },
  };
}

/**
 * Assembles the services of one Gatehouse instance from its configuration and stores: the
 * revocation registry, sessions, accounts, access tokens, refresh tokens and the flows over
 * them. No HTTP here, nothing started: see http.ts and jobs.ts.
 */
import {
  type AccessTokens,
  createAccessTokens,
  createRevocationRegistry,
  type RevocationRegistry,
} from '../access/index.js';
import { type AccountService, createAccountService } from '../accounts/index.js';
import type { Clock, RandomSource } from '../core/index.js';
import { type AuthFlows, createAuthFlows } from '../flows/index.js';
import type { KeyRing } from '../jwt/index.js';
import {
  type AccountAdmin,
  type AccountLifecycle,
  createAccountAdmin,
  createAccountLifecycle,
} from '../lifecycle/index.js';
import { type AuthorizationCodes, createAuthorizationCodes, signIdToken } from '../oauth/index.js';
import { createWorkQueue } from '../passwords/index.js';
import { createRefreshService, type RefreshService } from '../refresh/index.js';
import { createSessionService, type SessionService } from '../sessions/index.js';
import type { Stores } from '../storage/index.js';
import type { ServerConfig } from './config.js';
import type { ServerDpop } from './dpop.js';
import { mailBrandOf } from './pages/branding.js';

export interface ServicesDeps {
  readonly config: ServerConfig;
  readonly stores: Stores;
  readonly keyRing: KeyRing;
  /** A hash of a random password (see accounts/service.ts). */
  readonly dummyHash: string;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** DPoP (server/dpop.ts loadServerDpop); absent or null: GATEHOUSE_DPOP=off. */
  readonly dpop?: ServerDpop | null;
  /** Called after a request queued a message: the delivery job may start at once. */
  readonly onMailQueued?: () => void;
  /**
   * Waits until other instances have read revocations just made, before an account is deleted
   * (default: one revocation poll interval and a second).
   */
  readonly settleRevocations?: () => Promise<void>;
}

/** What every route needs, assembled once. */
export interface ServerContext {
  readonly config: ServerConfig;
  readonly stores: Stores;
  readonly keyRing: KeyRing;
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly refresh: RefreshService;
  readonly access: AccessTokens;
  readonly revocations: RevocationRegistry;
  readonly flows: AuthFlows;
  /** The code flow's single-use codes. */
  readonly codes: AuthorizationCodes;
  /** Email verification, password reset, email change, deletion (messages go through the outbox). */
  readonly lifecycle: AccountLifecycle;
  /** What the admin API does to accounts (routes only when GATEHOUSE_ADMIN_TOKEN is set). */
  readonly admin: AccountAdmin;
  readonly clock: Clock;
  /** DPoP proofs and nonces; null when GATEHOUSE_DPOP=off. */
  readonly dpop: ServerDpop | null;
}

/**
 * Builds the services (the revocation registry is empty: call `revocations.load()`).
 *
 * @example
 * const context = createServices({ config, stores, keyRing, dummyHash, clock, random });
 */
/** A `dpop_key_mismatch` event is recorded at most once a minute per session. */
const MISMATCH_EVENT_INTERVAL_MS = 60_000;

export function createServices(deps: ServicesDeps): ServerContext {
  const { config, stores, keyRing, clock, random } = deps;
  /** Session id -> when its last key-mismatch event was recorded. */
  const mismatchRecorded = new Map<string, number>();
  const revocations = createRevocationRegistry({
    source: stores.sessions,
    accessTokenTtlMs: config.accessTokenTtlSeconds * 1000,
    clock,
    random,
  });
  const sessions = createSessionService({
    store: stores.sessions,
    policy: {
      absoluteTtlMs: config.sessionAbsoluteTtlSeconds * 1000,
      idleTtlMs: config.sessionIdleTtlSeconds * 1000,
      touchIntervalMs: config.sessionTouchIntervalSeconds * 1000,
    },
    onRevoked: revocations.revoked,
    maxPerUser: config.maxSessionsPerUser,
    clock,
    random,
  });
  const accounts = createAccountService({
    store: stores.accounts,
    limits: stores.limits,
    events: stores.events,
    passwordParams: config.passwordParams,
    passwordQueue: createWorkQueue({ maxQueued: config.argon2QueueSize }),
    dummyHash: deps.dummyHash,
    requireVerifiedEmail: config.requireVerifiedEmail,
    clock,
    random,
  });
  const access = createAccessTokens({
    profile: {
      issuer: config.issuer,
      audience: config.audience,
      ttlSeconds: config.accessTokenTtlSeconds,
    },
    keyRing,
    revocations,
    clock,
    random,
  });
  const refresh = createRefreshService({
    store: stores.refresh,
    sessions,
    policy: {
      refreshTtlMs: config.refreshTokenTtlSeconds * 1000,
      reuseGraceMs: config.refreshReuseGraceSeconds * 1000,
    },
    issueAccessToken: (session, clientId, dpopJkt, extras) =>
      access.issue({
        userId: session.userId,
        sessionId: session.id,
        sessionExpiresAtMs: session.expiresAtMs,
        clientId,
        dpopJkt,
        scopes: extras.scopes,
        ...(extras.claims === undefined ? {} : { extraClaims: extras.claims }),
      }),
    onReuse: (session) =>
      stores.events.recordEvent({
        type: 'refresh_reuse',
        userId: session.userId,
        sessionId: session.id,
        ip: null,
        userAgent: null,
        atMs: clock.nowMs(),
      }),
    onKeyMismatch: async (session, meta) => {
      // One event per session a minute: a thief retrying in a loop must not become unbounded
      // writes (the metric still counts every try).
      const now = clock.nowMs();
      const last = mismatchRecorded.get(session.id);
      if (last !== undefined && now - last < MISMATCH_EVENT_INTERVAL_MS) return;
      if (mismatchRecorded.size >= 10_000) mismatchRecorded.clear();
      mismatchRecorded.set(session.id, now);
      await stores.events.recordEvent({
        type: 'dpop_key_mismatch',
        userId: session.userId,
        sessionId: session.id,
        ip: meta.ip,
        userAgent: meta.userAgent,
        atMs: now,
      });
    },
    clock,
    random,
  });
  const codes = createAuthorizationCodes({
    store: stores.codes,
    revokeSession: async (sessionId) => void (await sessions.revoke(sessionId, 'code_reused')),
    clock,
    random,
  });
  const flows = createAuthFlows({
    accounts,
    sessions,
    refresh,
    access,
    events: stores.events,
    roles: stores.roles,
    scopePolicy: { userScopes: config.userScopes, roleScopes: config.roleScopes },
    claims: config.claims,
    codes,
    users: stores.accounts,
    // The key that signs access tokens signs ID tokens (when it is asymmetric; see oauth/id-token.ts).
    signIdToken: (grant) =>
      signIdToken(
        { ...grant, issuer: config.issuer, ttlSeconds: config.accessTokenTtlSeconds },
        keyRing.signingKey(),
        clock.nowMs(),
      ),
    clock,
  });
  /**
   * Before an account's rows go: other instances learn of revocations from the session rows at
   * their storage poll (the Redis feed is best effort), so one poll interval and a second pass
   * first, as `gatehouse users delete` waits.
   */
  const settleRevocations =
    deps.settleRevocations ??
    (() =>
      new Promise<void>((resolve) =>
        setTimeout(resolve, (config.revocationSyncSeconds + 1) * 1000),
      ));
  const endSessions = (userId: string, reason: string) => sessions.revokeAllForUser(userId, reason);
  const lifecycle = withMailNudge(
    createAccountLifecycle({
      users: stores.accounts,
      accounts,
      tokens: stores.emailTokens,
      limits: stores.limits,
      events: stores.events,
      endSessions,
      settleRevocations,
      issuer: config.issuer,
      productName: config.branding.productName,
      brand: mailBrandOf(config.branding, config.issuer),
      verificationTtlMs: config.emailVerificationTtlSeconds * 1000,
      resetTtlMs: config.passwordResetTtlSeconds * 1000,
      emailChangeTtlMs: config.emailChangeTtlSeconds * 1000,
      emailChangeUndoTtlMs: config.emailChangeUndoTtlSeconds * 1000,
      clock,
      random,
    }),
    deps.onMailQueued ?? (() => {}),
  );
  const admin = createAccountAdmin({
    users: stores.accounts,
    roles: stores.roles,
    events: stores.events,
    accounts,
    endSessions,
    countSessions: async (userId) => (await sessions.list(userId)).length,
    settleRevocations,
    clock,
  });
  return {
    config,
    stores,
    keyRing,
    accounts,
    lifecycle,
    admin,
    sessions,
    refresh,
    access,
    revocations,
    flows,
    codes,
    clock,
    dpop: deps.dpop ?? null,
  };
}

/** The lifecycle, telling the delivery job after each call that may have queued a message. */
function withMailNudge(lifecycle: AccountLifecycle, nudge: () => void): AccountLifecycle {
  return {
    sendVerification: (user) => lifecycle.sendVerification(user).finally(nudge),
    resendVerification: (email, meta) => lifecycle.resendVerification(email, meta).finally(nudge),
    requestPasswordReset: (email, meta) =>
      lifecycle.requestPasswordReset(email, meta).finally(nudge),
    verifyEmail: (token, meta) => lifecycle.verifyEmail(token, meta),
    resetPassword: (token, password, meta) => lifecycle.resetPassword(token, password, meta),
    requestEmailChange: (userId, password, email, meta) =>
      lifecycle.requestEmailChange(userId, password, email, meta).finally(nudge),
    confirmEmailChange: (token, meta) => lifecycle.confirmEmailChange(token, meta),
    undoEmailChange: (token, password, meta) => lifecycle.undoEmailChange(token, password, meta),
    deleteAccount: (userId, password, meta) => lifecycle.deleteAccount(userId, password, meta),
  };
}

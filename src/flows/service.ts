/**
 * The orchestration of what a user does: log in (tokens or a cookie session), refresh, revoke,
 * log out, end a session, change the password. Each step is one call here; routes only translate
 * HTTP to these calls. Knows nothing of HTTP.
 */
import { type AccessTokens, parseAuthorization } from '../access/index.js';
import type { AccountService, AccountServiceOptions } from '../accounts/index.js';
import { AuthError, type Clock } from '../core/index.js';
import type { RefreshBinding, RefreshService, TokenPair } from '../refresh/index.js';
import type { SessionMeta, SessionRecord, SessionService } from '../sessions/index.js';

/** Who made a request, as the server authenticated it. */
export interface Principal {
  readonly userId: string;
  /** The login session; null for HTTP Basic (no session). */
  readonly sessionId: string | null;
  /** How: an access token as Bearer, or DPoP-bound with its proof; the cookie; Basic. */
  readonly via: 'bearer' | 'dpop' | 'cookie' | 'basic';
}

export interface AuthFlowsOptions {
  readonly accounts: AccountService;
  readonly sessions: SessionService;
  readonly refresh: RefreshService;
  readonly access: AccessTokens;
  /** Where logins and logouts are recorded (the accounts' security-event store). */
  readonly events: AccountServiceOptions['events'];
  readonly clock: Clock;
}

const NO_META: SessionMeta = { ip: null, userAgent: null };

export interface AuthFlows {
  /**
   * The password grant: checks the password, starts a token session bound to `clientId` (see
   * `identifyClient`) and, when the request came with a verified DPoP proof, to its key
   * (`dpopJkt`: the refresh tokens then need that key, the access tokens carry `cnf.jkt`), issues
   * the first pair.
   * @throws AuthError ERR_AUTH_INVALID_CREDENTIALS, ERR_AUTH_RATE_LIMITED
   */
  passwordLogin(
    username: string,
    password: string,
    clientId: string,
    meta: SessionMeta,
    dpopJkt?: string | null,
  ): Promise<TokenPair>;
  /**
   * Checks the password and starts a cookie session.
   * @throws AuthError ERR_AUTH_INVALID_CREDENTIALS, ERR_AUTH_RATE_LIMITED
   */
  cookieLogin(
    email: string,
    password: string,
    meta: SessionMeta,
  ): Promise<{ session: SessionRecord; cookieValue: string }>;
  /**
   * Rotates a refresh token for `clientId` (see `identifyClient`), which must be the client the
   * token was issued to. The old access token may come along as `Authorization: Bearer` (only
   * Bearer: client authentication with Basic is `identifyClient`'s, not read here); then its
   * signature and every claim but `exp` must hold, and it must be of the same session.
   * `binding` is the key of the request's verified DPoP proof (null: none) and who asked: a
   * DPoP-bound session refreshes only with its key.
   * @throws AuthError ERR_REFRESH_INVALID, ERR_REFRESH_REUSED, ERR_REFRESH_SESSION_MISMATCH,
   *   ERR_REFRESH_CLIENT_MISMATCH, ERR_DPOP_KEY_MISMATCH
   */
  refreshGrant(
    refreshToken: string,
    clientId: string,
    authorization: string | undefined,
    binding?: RefreshBinding,
  ): Promise<TokenPair>;
  /** RFC 7009: revokes the session of a refresh token or access token; unknown tokens are ignored. */
  revokeToken(token: string): Promise<void>;
  /** Ends this session, or with `global` every session of the user; records a `logout` event. */
  logout(principal: Principal, scope: 'session' | 'global', meta?: SessionMeta): Promise<void>;
  /**
   * Ends one of the principal's sessions by id.
   * @throws AuthError ERR_SESSION_NOT_FOUND when no active session of the user has that id
   */
  endSession(principal: Principal, sessionId: string): Promise<void>;
  /**
   * Changes the password and ends every other session of the user.
   * @throws AuthError ERR_AUTH_INVALID_CREDENTIALS, ERR_AUTH_PASSWORD_POLICY
   */
  changePassword(
    principal: Principal,
    currentPassword: string,
    newPassword: string,
    ip: string | null,
    userAgent?: string | null,
  ): Promise<void>;
}

/**
 * Creates the flows over the services.
 *
 * @example
 * const flows = createAuthFlows({ accounts, sessions, refresh, access, events, clock });
 * const pair = await flows.passwordLogin(email, password, 'gatehouse', { ip, userAgent });
 */
export function createAuthFlows(options: AuthFlowsOptions): AuthFlows {
  const { accounts, sessions, refresh, access, events, clock } = options;
  const record = (
    type: 'login' | 'logout',
    userId: string,
    sessionId: string | null,
    meta: SessionMeta,
  ) =>
    events.recordEvent({
      type,
      userId,
      sessionId,
      ip: meta.ip,
      userAgent: meta.userAgent,
      atMs: clock.nowMs(),
    });

  return {
    async passwordLogin(username, password, clientId, meta, dpopJkt = null) {
      const user = await accounts.authenticate(username, password, meta.ip);
      const { session } = await sessions.start(user.id, 'token', meta, clientId, dpopJkt);
      await record('login', user.id, session.id, meta);
      return refresh.issue(session, clientId);
    },

    async cookieLogin(email, password, meta) {
      const user = await accounts.authenticate(email, password, meta.ip);
      const { session, cookieValue } = await sessions.start(user.id, 'cookie', meta);
      await record('login', user.id, session.id, meta);
      return { session, cookieValue: cookieValue as string };
    },

    async refreshGrant(refreshToken, clientId, authorization, binding) {
      let expectSessionId: string | undefined;
      const credentials = parseAuthorization(authorization);
      if (credentials.kind === 'malformed')
        throw new AuthError(
          'ERR_REFRESH_SESSION_MISMATCH',
          'the Authorization header is malformed',
        );
      if (credentials.kind === 'credentials' && credentials.scheme === 'bearer') {
        const sid = access.sessionOf(credentials.value, { allowExpired: true });
        if (sid === null)
          throw new AuthError(
            'ERR_REFRESH_SESSION_MISMATCH',
            'the access token sent along does not verify',
          );
        expectSessionId = sid;
      }
      return refresh.refresh(refreshToken, clientId, expectSessionId, binding);
    },

    async revokeToken(token) {
      const sessionId =
        (await refresh.sessionOf(token)) ?? access.sessionOf(token, { allowExpired: true });
      if (sessionId !== null) await sessions.revoke(sessionId, 'revoked_by_client');
    },

    async logout(principal, scope, meta = NO_META) {
      if (scope === 'global') await sessions.revokeAllForUser(principal.userId, 'logout_global');
      else if (principal.sessionId !== null) await sessions.revoke(principal.sessionId, 'logout');
      else return; // HTTP Basic: no session, nothing ended.
      await record('logout', principal.userId, principal.sessionId, meta);
    },

    async endSession(principal, sessionId) {
      const mine = (await sessions.list(principal.userId)).some((s) => s.id === sessionId);
      if (!mine) throw new AuthError('ERR_SESSION_NOT_FOUND', 'no such session');
      await sessions.revoke(sessionId, 'revoked_by_user');
    },

    async changePassword(principal, currentPassword, newPassword, ip, userAgent = null) {
      await accounts.changePassword(principal.userId, currentPassword, newPassword, ip, userAgent);
      await sessions.revokeAllForUser(
        principal.userId,
        'password_changed',
        principal.sessionId ?? undefined,
      );
    },
  };
}

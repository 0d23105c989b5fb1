/**
 * The orchestration of what a user does: log in (tokens or a cookie session), refresh, revoke,
 * log out, end a session, change the password. Each step is one call here; routes only translate
 * HTTP to these calls. Knows nothing of HTTP.
 */
import { type AccessTokens, parseAuthorization } from '../access/index.js';
import type { AccountService, AccountServiceOptions, AccountStore } from '../accounts/index.js';
import {
  type ClientRecord,
  checkGrantAllowed,
  decideScopes,
  type RoleStore,
  type ScopePolicy,
} from '../clients/index.js';
import { AuthError, type Clock } from '../core/index.js';
import type { AuthorizationCodes, AuthorizationRequest, IdTokenGrant } from '../oauth/index.js';
import type { AccessExtras, RefreshBinding, RefreshService, TokenPair } from '../refresh/index.js';
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
  /** Roles per user, and which scopes users and roles may be granted. */
  readonly roles: RoleStore;
  readonly scopePolicy: ScopePolicy;
  /** The custom-claims hook (ServerOptions.claims); absent: none. */
  readonly claims?: ClaimsHook | null;
  /** The code flow's single-use codes. */
  readonly codes: AuthorizationCodes;
  /** Reads an account as stored now (not cached): a disabled account's code is refused. */
  readonly users: Pick<AccountStore, 'findUserById'>;
  /** Signs an ID token (issuer, lifetime and key are the server's). */
  readonly signIdToken: (grant: Omit<IdTokenGrant, 'issuer' | 'ttlSeconds'>) => string;
  readonly clock: Clock;
}

/** The token endpoint's answer to the code grant: a pair, and an ID token for OpenID Connect. */
export type CodeTokenResponse = Omit<TokenPair, 'refresh_token' | 'refresh_token_expires_in'> & {
  /** Absent when the client is not registered for the refresh_token grant. */
  readonly refresh_token?: string;
  readonly refresh_token_expires_in?: number;
  /** OpenID Connect Core 3.1.3.3: present when `openid` was granted. */
  readonly id_token?: string;
};

/** Who signed in at the authorization endpoint, when (OpenID Connect `auth_time`), in which browser session. */
export interface SignedIn {
  readonly userId: string;
  readonly authTimeMs: number;
  readonly browserSessionId: string;
}

/** What the custom-claims hook is told about one access token. */
export interface ClaimsContext {
  readonly user: {
    readonly id: string;
    readonly email: string;
    /** Whether the address was verified (issue 13): e.g. `({ user }) => ({ email_verified: user.emailVerified })`. */
    readonly emailVerified: boolean;
    readonly roles: readonly string[];
  };
  readonly client: { readonly id: string; readonly name: string; readonly type: string };
  readonly scopes: readonly string[];
}

/**
 * Adds claims to every access token, at sign-in and at each refresh. Claims of the access-token
 * profile (iss, sub, aud, exp, iat, jti, client_id, sid, scope, cnf, ...) are never replaced: a
 * returned claim of that name is dropped. Values must be JSON.
 */
export type ClaimsHook = (
  context: ClaimsContext,
) => Record<string, unknown> | Promise<Record<string, unknown>>;

/** The token request's client and scopes. */
export interface TokenClient {
  /** The authenticated client (clients/authenticateClient). */
  readonly client: ClientRecord;
  /** The `scope` parameter (clients/parseScopeParameter); null: none asked for. */
  readonly requestedScopes: readonly string[] | null;
}

const NO_META: SessionMeta = { ip: null, userAgent: null };

export interface AuthFlows {
  /**
   * The password grant: checks that the client may use it and may ask for the scopes, checks the
   * password, grants the scopes the user's roles open, starts a token session bound to the client
   * and, when the request came with a verified DPoP proof, to its key
   * (`proof.jkt`: the refresh tokens then need that key, the access tokens carry `cnf.jkt`),
   * issues the first pair. The proof is claimed (single use) once the password holds.
   * @throws AuthError ERR_DPOP_PROOF_INVALID (a replayed proof), ERR_DPOP_REPLAY_CACHE_FULL
   * @throws AuthError ERR_CLIENT_UNAUTHORIZED, ERR_SCOPE_INVALID, ERR_AUTH_INVALID_CREDENTIALS,
   *   ERR_AUTH_RATE_LIMITED
   */
  passwordLogin(
    username: string,
    password: string,
    client: TokenClient,
    meta: SessionMeta,
    proof?: { readonly jkt: string; claim(): Promise<void> } | null,
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
   * Rotates a refresh token for the client, which must be the client the token was issued to
   * and be allowed the refresh_token grant; the scopes asked for must be within the original
   * grant (none asked: the original grant), less what the user's roles no longer open. The old access token may come along as `Authorization: Bearer` (only
   * Bearer: client authentication with Basic is `readClientCredentials`'s, not read here); then its
   * signature and every claim but `exp` must hold, and it must be of the same session.
   * `binding` is the key of the request's verified DPoP proof (null: none) and who asked: a
   * DPoP-bound session refreshes only with its key.
   * @throws AuthError ERR_CLIENT_UNAUTHORIZED, ERR_SCOPE_INVALID, ERR_REFRESH_INVALID,
   *   ERR_REFRESH_REUSED, ERR_REFRESH_SESSION_MISMATCH, ERR_REFRESH_CLIENT_MISMATCH,
   *   ERR_DPOP_KEY_MISMATCH
   */
  refreshGrant(
    refreshToken: string,
    client: TokenClient,
    authorization: string | undefined,
    binding?: RefreshBinding,
  ): Promise<TokenPair>;
  /**
   * The authorization endpoint, once the user is signed in: decides the scopes (those the client
   * may ask for and the user's roles open) and issues a single-use code bound to the client, the
   * redirect URI and the PKCE challenge.
   * @throws AuthError ERR_SCOPE_INVALID
   */
  authorizeCode(request: AuthorizationRequest, signedIn: SignedIn): Promise<string>;
  /**
   * The authorization_code grant (RFC 6749 section 4.1.3, RFC 7636 section 4.6): redeems the
   * code once, starts a token session bound to the client (and to the DPoP key of `proof`),
   * issues a pair and, when `openid` was granted, an ID token. A code presented twice ends the
   * session the first exchange started.
   * @throws AuthError ERR_CLIENT_UNAUTHORIZED, ERR_CODE_INVALID, ERR_DPOP_PROOF_INVALID
   */
  codeGrant(
    exchange: { code: unknown; redirectUri: string | null; codeVerifier: unknown },
    client: TokenClient,
    meta: SessionMeta,
    proof?: { readonly jkt: string; claim(): Promise<void> } | null,
  ): Promise<CodeTokenResponse>;
  /**
   * RFC 7009: revokes the session of a refresh token or (unexpired) access token; unknown tokens
   * are ignored, and so are tokens of another client than `clientId` when one is given (an
   * authenticated confidential client revokes only its own, section 2.1).
   */
  revokeToken(token: string, clientId?: string): Promise<void>;
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
 * const pair = await flows.passwordLogin(email, password, { client, requestedScopes: null }, { ip, userAgent });
 */
export function createAuthFlows(options: AuthFlowsOptions): AuthFlows {
  const { accounts, sessions, refresh, access, events, clock, roles, scopePolicy, codes } = options;
  const extrasFor = async (
    user: { id: string; email: string; emailVerified: boolean },
    client: ClientRecord,
    userRoles: readonly string[],
    scopes: string[],
  ): Promise<AccessExtras> => {
    if (options.claims === undefined || options.claims === null) return { scopes };
    const claims = await options.claims({
      user: { id: user.id, email: user.email, emailVerified: user.emailVerified, roles: userRoles },
      client: { id: client.id, name: client.name, type: client.type },
      scopes,
    });
    return { scopes, claims };
  };
  /**
   * Starts a session, then reads the account again: a disable that landed after the password
   * check and before the session existed would otherwise miss it (the disable sets its flag, then
   * ends the user's sessions; this starts the session, then reads the flag: whichever is second
   * sees the other, so the session never outlives the disable).
   */
  const startSession = async (...args: Parameters<SessionService['start']>) => {
    const started = await sessions.start(...args);
    const user = await options.users.findUserById(args[0]);
    if (user === null || (user.disabledAtMs ?? null) !== null) {
      await sessions.revoke(started.session.id, 'account_disabled');
      throw new AuthError('ERR_AUTH_ACCOUNT_DISABLED', 'this account is disabled');
    }
    return started;
  };
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
    async passwordLogin(username, password, { client, requestedScopes }, meta, proof = null) {
      const dpopJkt = proof?.jkt ?? null;
      checkGrantAllowed(client, 'password');
      // A scope the client may not ask for is refused before any password work.
      decideScopes({ requested: requestedScopes, client, policy: scopePolicy, roles: [] });
      const user = await accounts.authenticate(username, password, meta.ip);
      // The proof is spent only now: a wrong password or a junk grant takes no cache place.
      await proof?.claim();
      const userRoles = await roles.listUserRoles(user.id);
      const scopes = decideScopes({
        requested: requestedScopes,
        client,
        policy: scopePolicy,
        roles: userRoles,
      });
      const extras = await extrasFor(user, client, userRoles, scopes);
      const { session } = await startSession(user.id, 'token', meta, client.id, dpopJkt, scopes);
      await record('login', user.id, session.id, meta);
      return refresh.issue(session, client.id, extras);
    },

    async cookieLogin(email, password, meta) {
      const user = await accounts.authenticate(email, password, meta.ip);
      const { session, cookieValue } = await startSession(user.id, 'cookie', meta);
      await record('login', user.id, session.id, meta);
      return { session, cookieValue: cookieValue as string };
    },

    async refreshGrant(refreshToken, { client, requestedScopes }, authorization, binding) {
      checkGrantAllowed(client, 'refresh_token');
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
      // The scopes of the original grant bound the new token's; roles taken away since sign-in
      // take their scopes with them at this refresh.
      const authorize = async (session: SessionRecord): Promise<AccessExtras> => {
        const userRoles = await roles.listUserRoles(session.userId);
        const scopes = decideScopes({
          requested: requestedScopes,
          client,
          policy: scopePolicy,
          roles: userRoles,
          ceiling: session.scopes ?? [],
        });
        if (options.claims === undefined || options.claims === null) return { scopes };
        const user = await accounts.findUser(session.userId);
        if (user === null) throw new AuthError('ERR_REFRESH_INVALID', 'the user is gone');
        return extrasFor(user, client, userRoles, scopes);
      };
      return refresh.refresh(refreshToken, client.id, expectSessionId, {
        dpopJkt: binding?.dpopJkt ?? null,
        ...(binding?.meta === undefined ? {} : { meta: binding.meta }),
        ...(binding?.claimProof === undefined ? {} : { claimProof: binding.claimProof }),
        authorize,
      });
    },

    async authorizeCode(request, signedIn) {
      const userRoles = await roles.listUserRoles(signedIn.userId);
      const scopes = decideScopes({
        requested: request.scopes,
        client: request.client,
        policy: scopePolicy,
        roles: userRoles,
      });
      return codes.issue({
        clientId: request.client.id,
        userId: signedIn.userId,
        redirectUri: request.redirectUri,
        redirectUriGiven: request.redirectUriGiven,
        codeChallenge: request.codeChallenge,
        scopes,
        nonce: request.nonce,
        authTimeMs: signedIn.authTimeMs,
        browserSessionId: signedIn.browserSessionId,
      });
    },

    async codeGrant(exchange, { client }, meta, proof = null) {
      checkGrantAllowed(client, 'authorization_code');
      const code = await codes.redeem({ ...exchange, clientId: client.id });
      // The browser session that signed in must still be on: a logout, a password change or a
      // "sign out everywhere" since then leaves the code worthless.
      if ((await sessions.findActive(code.browserSessionId)) === null)
        throw new AuthError('ERR_CODE_INVALID', 'authorization code refused: session', {
          reason: 'session',
        });
      const stored = await options.users.findUserById(code.userId);
      // Disabled or deleted between the sign-in and the exchange: no session starts.
      if (stored === null || (stored.disabledAtMs ?? null) !== null)
        throw new AuthError('ERR_CODE_INVALID', 'authorization code refused: user', {
          reason: 'user',
        });
      await proof?.claim();
      const user = {
        id: stored.id,
        email: stored.email,
        emailVerified: (stored.emailVerifiedAtMs ?? null) !== null,
      };
      const userRoles = await roles.listUserRoles(user.id);
      // The grant decided at sign-in bounds it; roles taken away since take their scopes.
      const scopes = decideScopes({
        requested: null,
        client,
        policy: scopePolicy,
        roles: userRoles,
        ceiling: code.scopes,
      });
      const extras = await extrasFor(user, client, userRoles, scopes);
      const { session } = await startSession(
        user.id,
        'token',
        meta,
        client.id,
        proof?.jkt ?? null,
        scopes,
      );
      await codes.attach(code, session.id);
      const pair = await refresh.issue(session, client.id, extras);
      const { refresh_token, refresh_token_expires_in, ...rest } = pair;
      const answer: CodeTokenResponse = client.grantTypes.includes('refresh_token') ? pair : rest;
      if (!scopes.includes('openid')) return answer;
      return {
        ...answer,
        id_token: options.signIdToken({
          clientId: client.id,
          userId: user.id,
          sessionId: session.id,
          nonce: code.nonce,
          authTimeMs: code.authTimeMs,
          accessToken: pair.access_token,
        }),
      };
    },

    async revokeToken(token, clientId) {
      // An expired access token is not taken: one found in an old log must not end a session.
      const sessionId = (await refresh.sessionOf(token)) ?? access.sessionOf(token);
      if (sessionId === null) return;
      if (clientId !== undefined) {
        const session = await sessions.findActive(sessionId);
        if (session === null || session.clientId !== clientId) return;
      }
      await sessions.revoke(sessionId, 'revoked_by_client');
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

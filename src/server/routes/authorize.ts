/**
 * The browser side of the code flow and of OpenID Connect: the authorization endpoint (RFC 6749
 * section 4.1.1, with PKCE and RFC 9207 `iss`), its sign-in form, UserInfo (OpenID Connect Core
 * section 5.3), and RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0). The checks live
 * in oauth/; this file turns them into redirects and pages.
 */
import { type FastifyPluginAsyncTypebox, Type } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { parseAuthorization } from '../../access/index.js';
import { decideScopes, findClient } from '../../clients/index.js';
import { AuthError } from '../../core/index.js';
import { createJwtVerifier } from '../../jwt/index.js';
import {
  type AuthorizationRequest,
  type AuthorizationRequestCheck,
  canSignIdTokens,
  checkAuthorizationRequest,
  decideSignIn,
  type RequestParameters,
  redirectWith,
} from '../../oauth/index.js';
import type { SessionRecord } from '../../sessions/index.js';
import { authenticate } from '../authenticate.js';
import type { Branding } from '../config.js';
import { clearSessionCookie, readCookie, SESSION_COOKIE, setSessionCookie } from '../cookies.js';
import {
  authorizePagePolicy,
  renderCheckEmailPage,
  renderErrorPage,
  renderLogoutConfirmPage,
  renderSignedOutPage,
  renderSignInPage,
} from '../pages/authorize-pages.js';
import type { ServerContext } from '../services.js';

/** Sign-in failures the form shows, by code: what the user can do about each. */
const SIGN_IN_MESSAGES: Readonly<Partial<Record<string, { status: number; message: string }>>> = {
  ERR_AUTH_INVALID_CREDENTIALS: { status: 401, message: 'Invalid email or password.' },
  ERR_AUTH_PASSWORD_POLICY: { status: 401, message: 'Invalid email or password.' },
  ERR_REQUEST_INVALID: { status: 400, message: 'Give an email address and a password.' },
  ERR_AUTH_RATE_LIMITED: {
    status: 429,
    message: 'Too many attempts. Wait a few minutes, then try again.',
  },
  ERR_AUTH_EMAIL_NOT_VERIFIED: {
    status: 403,
    message: 'Confirm your email address first: follow the link we sent to it.',
  },
  ERR_AUTH_ACCOUNT_DISABLED: {
    status: 403,
    message: 'This account is disabled; ask the operator of this service.',
  },
  ERR_AUTH_BUSY: { status: 503, message: 'The service is busy. Try again in a moment.' },
};

/** Sign-up failures the form shows. An address in use is said (as POST /v1/signup says it). */
const SIGN_UP_MESSAGES: Readonly<Partial<Record<string, { status: number; message: string }>>> = {
  ...SIGN_IN_MESSAGES,
  ERR_AUTH_PASSWORD_POLICY: { status: 400, message: 'Passwords must be 8 to 256 characters.' },
  ERR_REQUEST_INVALID: { status: 400, message: 'Give a valid email address and a password.' },
  ERR_AUTH_EMAIL_TAKEN: {
    status: 400,
    message: 'An account with this email exists: sign in instead.',
  },
};

/** A form's parameters: text only (a JSON body's arrays and objects are refused: 400). */
const TextParameters = Type.Record(Type.String(), Type.String({ maxLength: 4096 }));

const sendPage = (
  reply: FastifyReply,
  status: number,
  html: string,
  redirectUri: string | null,
  branding: Branding,
) =>
  reply
    .status(status)
    .header('content-security-policy', authorizePagePolicy(redirectUri, branding))
    .header('x-frame-options', 'DENY')
    // same-origin, not no-referrer: under no-referrer a browser sends `Origin: null` with the
    // form's POST, and the login-CSRF check could not tell our page from any other.
    .header('referrer-policy', 'same-origin')
    .type('text/html; charset=utf-8')
    .send(html);

const meta = (request: FastifyRequest) => ({
  userAgent: request.headers['user-agent'] ?? null,
  ip: request.ip,
});

export function authorizeRoutes(ctx: ServerContext): FastifyPluginAsyncTypebox {
  return async (app) => {
    const { issuer } = ctx.config;
    const brand = ctx.config.branding;
    const check = (params: RequestParameters): Promise<AuthorizationRequestCheck> =>
      checkAuthorizationRequest(params, (id) => findClient(ctx.stores.clients, id));

    /** Back to the client: 302 after a GET, 303 after the form's POST (RFC 9110 15.4.4). */
    const back = (
      reply: FastifyReply,
      status: 302 | 303,
      redirectUri: string,
      params: Record<string, string | null>,
    ) =>
      reply
        .status(status)
        .header('location', redirectWith(redirectUri, params, issuer))
        .send();

    /** The error page, offering to sign out when the browser has a session cookie. */
    const errorPage = (
      reply: FastifyReply,
      error: string,
      description: string,
      branding: Branding,
    ) =>
      renderErrorPage(
        error,
        description,
        branding,
        readCookie(reply.request.headers.cookie, SESSION_COOKIE) !== null,
      );
    /** A refused or unanswerable request, shown or sent back per RFC 6749 section 4.1.2.1. */
    const refuse = (
      reply: FastifyReply,
      result: Exclude<AuthorizationRequestCheck, { kind: 'valid' }>,
      status: 302 | 303,
    ) => {
      if (result.kind === 'show')
        return sendPage(
          reply,
          400,
          errorPage(reply, result.error, result.description, brand),
          null,
          brand,
        );
      return back(reply, status, result.redirectUri, {
        error: result.error,
        error_description: result.description,
        state: result.state,
      });
    };

    /** Issues the code for a signed-in user and sends the browser back to the client. */
    const issue = async (
      reply: FastifyReply,
      request: AuthorizationRequest,
      session: SessionRecord,
      status: 302 | 303,
    ) => {
      let code: string;
      try {
        code = await ctx.flows.authorizeCode(request, {
          userId: session.userId,
          authTimeMs: session.createdAtMs,
          browserSessionId: session.id,
        });
      } catch (error) {
        if (!(error instanceof AuthError) || error.code !== 'ERR_SCOPE_INVALID') throw error;
        return back(reply, status, request.redirectUri, {
          error: 'invalid_scope',
          error_description: error.message,
          state: request.state,
        });
      }
      return back(reply, status, request.redirectUri, { code, state: request.state });
    };

    /**
     * A scope the client may not ask for is refused before the user is asked anything (which
     * scopes the user's roles open is decided at the code's issue).
     */
    const scopeRefusal = (request: AuthorizationRequest): string | null => {
      try {
        decideScopes({
          requested: request.scopes,
          client: request.client,
          policy: { userScopes: ctx.config.userScopes, roleScopes: ctx.config.roleScopes },
          roles: [],
        });
        return null;
      } catch (error) {
        if (error instanceof AuthError && error.code === 'ERR_SCOPE_INVALID') return error.message;
        throw error;
      }
    };

    /** OpenID Connect needs ID tokens a client can verify: an asymmetric signing key. */
    const oidcUnavailable = (request: AuthorizationRequest) =>
      request.openid && !canSignIdTokens(ctx.keyRing.signingKey());

    const signInPage = (
      reply: FastifyReply,
      params: Readonly<Record<string, string | undefined>>,
      request: AuthorizationRequest,
      status: number,
      email: string | null,
      error: string | null,
      intent: 'signin' | 'signup' = 'signin',
    ) =>
      sendPage(
        reply,
        status,
        renderSignInPage(
          {
            clientName: request.client.name,
            parameters: params,
            email,
            error,
            intent,
          },
          brand,
        ),
        request.redirectUri,
        brand,
      );

    /**
     * Whether a form post came from our own page: an allowed Origin; without Origin (a browser
     * always sends one on a form POST, but `null` under some referrer policies), Sec-Fetch-Site
     * must not say another site. Absent both: not a browser (no login CSRF to fear).
     */
    const fromOurPage = (request: FastifyRequest) => {
      const origin = request.headers.origin;
      if (typeof origin === 'string') return ctx.config.allowedOrigins.includes(origin);
      const site = request.headers['sec-fetch-site'];
      return site === undefined || site === 'same-origin' || site === 'none';
    };

    const cookieSession = async (request: FastifyRequest) => {
      const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
      return cookie === null ? null : ctx.sessions.authenticateCookie(cookie);
    };

    app.get(
      '/authorize',
      {
        schema: {
          tags: ['oauth'],
          summary:
            'Authorization endpoint (RFC 6749 4.1.1): response_type=code with PKCE S256; signs the user in, then redirects with a code',
        },
      },
      async (httpRequest, reply) => {
        const params = httpRequest.query as RequestParameters;
        const result = await check(params);
        if (result.kind !== 'valid') return refuse(reply, result, 302);
        const { request } = result;
        if (oidcUnavailable(request))
          return back(reply, 302, request.redirectUri, {
            error: 'invalid_scope',
            error_description:
              'OpenID Connect needs an asymmetric signing key; this server signs with an HMAC secret (GATEHOUSE_JWT_SECRET).',
            state: request.state,
          });
        const badScope = scopeRefusal(request);
        if (badScope !== null)
          return back(reply, 302, request.redirectUri, {
            error: 'invalid_scope',
            error_description: badScope,
            state: request.state,
          });
        const session = await cookieSession(httpRequest);
        const decision = decideSignIn(
          request,
          session === null ? null : { authTimeMs: session.createdAtMs },
          ctx.clock.nowMs(),
        );
        if (decision === 'issue') return issue(reply, request, session as SessionRecord, 302);
        if (decision === 'login-required')
          return back(reply, 302, request.redirectUri, {
            error: 'login_required',
            error_description: 'The user is not signed in (prompt=none).',
            state: request.state,
          });
        return signInPage(
          reply,
          params as Record<string, string | undefined>,
          request,
          200,
          request.loginHint,
          null,
        );
      },
    );

    app.post(
      '/authorize',
      {
        config: { form: true },
        schema: {
          tags: ['oauth'],
          summary:
            "The sign-in (or, with intent=signup, sign-up) form of the authorization endpoint (the page's own POST)",
          consumes: ['application/x-www-form-urlencoded'],
          body: TextParameters,
        },
      },
      async (httpRequest, reply) => {
        const body = (httpRequest.body ?? {}) as Record<string, string | undefined>;
        // Login CSRF: another site's form must not sign the browser into someone's account. The
        // page is ours, so its Origin is the issuer's (or one allowed).
        if (!fromOurPage(httpRequest))
          return sendPage(
            reply,
            403,
            errorPage(reply, 'csrf_rejected', 'This form was sent from another site.', brand),
            null,
            brand,
          );
        const result = await check(body);
        if (result.kind !== 'valid') return refuse(reply, result, 303);
        const { request } = result;
        if (oidcUnavailable(request))
          return back(reply, 303, request.redirectUri, {
            error: 'invalid_scope',
            error_description: 'OpenID Connect needs an asymmetric signing key.',
            state: request.state,
          });
        const badScope = scopeRefusal(request);
        if (badScope !== null)
          return back(reply, 303, request.redirectUri, {
            error: 'invalid_scope',
            error_description: badScope,
            state: request.state,
          });
        const email = typeof body.email === 'string' ? body.email : null;
        const intent = body.intent === 'signup' ? 'signup' : 'signin';
        const messages = intent === 'signup' ? SIGN_UP_MESSAGES : SIGN_IN_MESSAGES;
        let session: SessionRecord;
        try {
          if (email === null || typeof body.password !== 'string')
            throw new AuthError('ERR_REQUEST_INVALID', 'email and password required');
          if (intent === 'signup') {
            const user = await ctx.accounts.signup(
              email,
              body.password,
              httpRequest.ip,
              httpRequest.headers['user-agent'] ?? null,
            );
            await ctx.lifecycle.sendVerification(user);
            // An address to confirm first: the user comes back through the app once it is.
            if (ctx.config.requireVerifiedEmail)
              return sendPage(reply, 200, renderCheckEmailPage(user.email, brand), null, brand);
          }
          const login = await ctx.flows.cookieLogin(email, body.password, meta(httpRequest));
          session = login.session;
          setSessionCookie(
            reply,
            login.cookieValue,
            Math.floor((session.expiresAtMs - session.createdAtMs) / 1000),
          );
        } catch (error) {
          const shown = error instanceof AuthError ? messages[error.code] : undefined;
          if (shown === undefined) throw error;
          if (error instanceof AuthError && error.details?.retryAfterSeconds !== undefined)
            reply.header('retry-after', String(error.details.retryAfterSeconds));
          httpRequest.failureCode = (error as AuthError).code;
          return signInPage(reply, body, request, shown.status, email, shown.message, intent);
        }
        return issue(reply, request, session, 303);
      },
    );

    const userinfo = async (httpRequest: FastifyRequest) => {
      const credentials = parseAuthorization(httpRequest.headers.authorization);
      // Only an access token: a cookie is not a client's credential (OpenID Connect Core 5.3.1).
      if (
        credentials.kind !== 'credentials' ||
        (credentials.scheme !== 'bearer' && credentials.scheme !== 'dpop')
      )
        throw new AuthError('ERR_AUTH_UNAUTHENTICATED', 'unauthenticated: no access token', {
          reason: 'no access token',
          presented: credentials.kind !== 'none',
        });
      const principal = await authenticate(ctx, httpRequest);
      const { claims } = ctx.access.authenticate(
        credentials.value,
        principal.via === 'dpop' ? 'dpop' : 'bearer',
      );
      const scopes = typeof claims.scope === 'string' ? claims.scope.split(' ') : [];
      if (!scopes.includes('openid'))
        throw new AuthError(
          'ERR_SCOPE_INSUFFICIENT',
          'UserInfo needs an access token with the openid scope.',
          {
            scope: 'openid',
          },
        );
      const user = await ctx.accounts.findUser(principal.userId);
      if (user === null)
        throw new AuthError('ERR_AUTH_UNAUTHENTICATED', 'unauthenticated: user gone', {
          reason: 'user gone',
          presented: true,
        });
      return {
        sub: user.id,
        ...(scopes.includes('email')
          ? { email: user.email, email_verified: user.emailVerified }
          : {}),
      };
    };
    const userinfoSchema = {
      tags: ['oidc'],
      summary:
        'UserInfo (OpenID Connect Core 5.3): the user of an access token with the openid scope',
      security: [{ bearer: [] }],
    };
    app.get('/userinfo', { schema: userinfoSchema }, userinfo);
    app.post(
      '/userinfo',
      { config: { form: true, optionalBody: true }, schema: userinfoSchema },
      userinfo,
    );

    // RP-initiated logout. A valid id_token_hint (ours, any age) names the client and the
    // session: both that token session and the browser's session end. Without one, the user
    // confirms on a page (a link on another site must not sign anyone out).
    const hintVerifier = createJwtVerifier({
      keys: ctx.keyRing,
      issuer,
      typ: 'JWT',
      requiredClaims: ['sub', 'aud', 'sid'],
      ignoreExpiration: true,
      clock: ctx.clock,
      cacheSize: 0,
    });
    const endSession = async (
      httpRequest: FastifyRequest,
      reply: FastifyReply,
      confirmed: boolean,
    ) => {
      const raw = (
        httpRequest.method === 'GET' ? httpRequest.query : (httpRequest.body ?? {})
      ) as Record<string, unknown>;
      // One text value per parameter (a repeated one, or a JSON body's array, is refused).
      if (Object.values(raw).some((value) => typeof value !== 'string'))
        return sendPage(
          reply,
          400,
          errorPage(
            reply,
            'invalid_request',
            'A parameter appears more than once or is not text.',
            brand,
          ),
          null,
          brand,
        );
      const params = raw as Record<string, string | undefined>;
      let hint: { clientId: string; sessionId: string; userId: string } | null = null;
      if (typeof params.id_token_hint === 'string') {
        try {
          const { payload } = hintVerifier.verify(params.id_token_hint);
          if (
            typeof payload.aud === 'string' &&
            typeof payload.sid === 'string' &&
            typeof payload.sub === 'string'
          )
            hint = { clientId: payload.aud, sessionId: payload.sid, userId: payload.sub };
        } catch (error) {
          if (!(error instanceof AuthError)) throw error;
        }
        if (hint === null)
          return sendPage(
            reply,
            400,
            errorPage(
              reply,
              'invalid_request',
              'The id_token_hint is not an ID token of this server.',
              brand,
            ),
            null,
            brand,
          );
      }
      const clientId = hint?.clientId ?? params.client_id ?? null;
      if (hint !== null && params.client_id !== undefined && params.client_id !== hint.clientId)
        return sendPage(
          reply,
          400,
          errorPage(
            reply,
            'invalid_request',
            'client_id is not the audience of the id_token_hint.',
            brand,
          ),
          null,
          brand,
        );
      const client = clientId === null ? null : await findClient(ctx.stores.clients, clientId);
      const returnTo = params.post_logout_redirect_uri ?? null;
      if (
        returnTo !== null &&
        (client === null || !client.postLogoutRedirectUris.includes(returnTo))
      )
        return sendPage(
          reply,
          400,
          errorPage(
            reply,
            'invalid_request',
            'The post_logout_redirect_uri is not registered for this client.',
            brand,
          ),
          null,
          brand,
        );
      if (hint === null && !confirmed)
        return sendPage(reply, 200, renderLogoutConfirmPage(params, brand), returnTo, brand);
      const browser = await cookieSession(httpRequest);
      if (hint !== null) {
        const token = await ctx.sessions.findActive(hint.sessionId);
        if (token !== null && token.userId === hint.userId)
          await ctx.sessions.revoke(token.id, 'logout');
      }
      const otherUser = browser !== null && hint !== null && browser.userId !== hint.userId;
      if (browser !== null && !otherUser) {
        await ctx.flows.logout(
          { userId: browser.userId, sessionId: browser.id, via: 'cookie' },
          'session',
          meta(httpRequest),
        );
        clearSessionCookie(reply);
      }
      if (returnTo === null)
        return sendPage(reply, 200, renderSignedOutPage(brand, otherUser), null, brand);
      const url = new URL(returnTo);
      if (params.state !== undefined) url.searchParams.append('state', params.state);
      return reply
        .status(httpRequest.method === 'GET' ? 302 : 303)
        .header('location', url.href)
        .send();
    };
    app.get(
      '/end-session',
      {
        schema: {
          tags: ['oidc'],
          summary: 'RP-initiated logout (OpenID Connect RP-Initiated Logout 1.0)',
        },
      },
      (request, reply) => endSession(request, reply, false),
    );
    app.post(
      '/end-session',
      {
        config: { form: true, optionalBody: true },
        schema: {
          tags: ['oidc'],
          summary: 'RP-initiated logout, confirmed or by form',
          body: TextParameters,
        },
      },
      async (request, reply) => {
        // The confirmation is this origin's form; another site's POST is not a confirmation.
        const confirmed =
          (request.body as Record<string, unknown> | undefined)?.confirm === 'yes' &&
          fromOurPage(request);
        return endSession(request, reply, confirmed);
      },
    );
  };
}

/**
 * Who sent this request: a Bearer access token, a DPoP-bound one with its proof (RFC 9449
 * section 7), HTTP Basic (when enabled), or the session cookie. Authorization wins over the
 * cookie. Cookie-authenticated state-changing requests must pass a CSRF check (Origin, else
 * Sec-Fetch-Site).
 */
import type { FastifyRequest } from 'fastify';
import { parseAuthorization } from '../access/index.js';
import { AuthError } from '../core/index.js';
import type { Principal } from '../flows/index.js';
import { readCookie, SESSION_COOKIE } from './cookies.js';
import type { ServerContext } from './services.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence for cookie-authenticated unsafe requests: the Origin must be one we serve or
 * allow; without Origin, Sec-Fetch-Site must say same-origin (or none: typed by the user).
 * A request with neither header is refused: browsers send at least one on such requests.
 */
export function checkCsrf(request: FastifyRequest, allowedOrigins: readonly string[]): void {
  if (SAFE_METHODS.has(request.method)) return;
  const origin = request.headers.origin;
  if (typeof origin === 'string') {
    if (allowedOrigins.includes(origin)) return;
    throw new AuthError('ERR_SESSION_CSRF', 'origin not allowed');
  }
  const site = request.headers['sec-fetch-site'];
  if (site === 'same-origin' || site === 'none') return;
  throw new AuthError('ERR_SESSION_CSRF', 'no acceptable Origin or Sec-Fetch-Site');
}

/**
 * Login CSRF: a cross-site form must not log the victim into the attacker's account. A login
 * that carries an Origin must carry an allowed one.
 */
export function checkLoginOrigin(request: FastifyRequest, allowedOrigins: readonly string[]) {
  const origin = request.headers.origin;
  if (typeof origin === 'string' && !allowedOrigins.includes(origin))
    throw new AuthError('ERR_SESSION_CSRF', 'origin not allowed');
}

function unauthenticated(reason: string, presented: boolean, scheme?: 'dpop'): AuthError {
  return new AuthError('ERR_AUTH_UNAUTHENTICATED', `unauthenticated: ${reason}`, {
    reason,
    presented,
    ...(scheme === undefined ? {} : { scheme }),
  });
}

/**
 * Resolves the principal of a request.
 *
 * @throws AuthError ERR_AUTH_UNAUTHENTICATED (details.presented tells whether any credential
 *   was sent), ERR_SESSION_CSRF, ERR_AUTH_RATE_LIMITED (Basic), ERR_STORE_UNAVAILABLE
 */
export async function authenticate(
  ctx: ServerContext,
  request: FastifyRequest,
): Promise<Principal> {
  const credentials = parseAuthorization(request.headers.authorization);
  if (credentials.kind === 'malformed')
    throw unauthenticated('malformed authorization header', true);
  if (credentials.kind === 'credentials') {
    if (credentials.scheme === 'bearer') {
      if (ctx.dpop?.mode === 'required')
        throw unauthenticated('bearer refused: dpop required', true, 'dpop');
      // A DPoP-bound token is refused here whatever the mode: without its proof it is a copy.
      const { userId, sessionId } = ctx.access.authenticate(credentials.value);
      return { userId, sessionId, via: 'bearer' };
    }
    if (credentials.scheme === 'dpop' && ctx.dpop !== null) {
      // The token first (cached, no I/O), then the proof: one signature check, one claim.
      const { userId, sessionId, dpopJkt } = ctx.access.authenticate(credentials.value, 'dpop');
      await ctx.dpop.checkResourceProof(
        { proof: request.headers.dpop, method: request.method, url: request.url },
        credentials.value,
        dpopJkt as string,
      );
      return { userId, sessionId, via: 'dpop' };
    }
    if (credentials.scheme === 'basic' && ctx.config.basicAuth)
      return authenticateBasic(ctx, credentials.value, request.ip);
    throw unauthenticated('unsupported authorization scheme', true);
  }
  const cookie = readCookie(request.headers.cookie, SESSION_COOKIE);
  if (cookie !== null) {
    const session = await ctx.sessions.authenticateCookie(cookie);
    if (session === null) throw unauthenticated('session cookie invalid or expired', true);
    checkCsrf(request, ctx.config.allowedOrigins);
    return { userId: session.userId, sessionId: session.id, via: 'cookie' };
  }
  throw unauthenticated('no credential', false);
}

async function authenticateBasic(
  ctx: ServerContext,
  value: string,
  ip: string,
): Promise<Principal> {
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) throw unauthenticated('malformed basic credentials', true);
  try {
    const user = await ctx.accounts.authenticate(
      decoded.slice(0, colon),
      decoded.slice(colon + 1),
      ip,
    );
    return { userId: user.id, sessionId: null, via: 'basic' };
  } catch (error) {
    if (error instanceof AuthError && error.code === 'ERR_AUTH_INVALID_CREDENTIALS')
      throw unauthenticated('basic credentials rejected', true);
    throw error;
  }
}

/**
 * Who sent this request: a Bearer access token, HTTP Basic (when enabled), or the session cookie.
 * Authorization wins over the cookie. Cookie-authenticated state-changing requests must pass a
 * CSRF check (Origin, else Sec-Fetch-Site).
 */
import type { FastifyRequest } from 'fastify';
import { AuthError } from '../core/errors.js';
import { type Principal, SESSION_COOKIE, type ServerContext } from './context.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Reads one cookie by exact name from the Cookie header; null when absent or repeated. */
export function readCookie(header: string | undefined, name: string): string | null {
  if (header === undefined) return null;
  let found: string | null = null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq === -1 || part.slice(0, eq).trim() !== name) continue;
    // A repeated session cookie (cookie tossing from a sibling domain) is refused.
    if (found !== null) return null;
    found = part.slice(eq + 1).trim();
  }
  return found;
}

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

function unauthenticated(reason: string, presented: boolean): AuthError {
  return new AuthError('ERR_AUTH_UNAUTHENTICATED', `unauthenticated: ${reason}`, {
    reason,
    presented,
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
  const authorization = request.headers.authorization;
  if (typeof authorization === 'string') {
    const space = authorization.indexOf(' ');
    const scheme = (space === -1 ? authorization : authorization.slice(0, space)).toLowerCase();
    const value = space === -1 ? '' : authorization.slice(space + 1).trim();
    if (scheme === 'bearer') return authenticateBearer(ctx, value);
    if (scheme === 'basic' && ctx.config.basicAuth)
      return authenticateBasic(ctx, value, request.ip);
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

function authenticateBearer(ctx: ServerContext, token: string): Principal {
  let payload: Record<string, unknown>;
  try {
    payload = ctx.accessVerifier.verify(token).payload;
  } catch (error) {
    if (error instanceof AuthError) throw unauthenticated(error.code, true);
    throw error;
  }
  const sid = payload.sid;
  const sub = payload.sub;
  if (typeof sid !== 'string' || typeof sub !== 'string')
    throw unauthenticated('token lacks sub or sid', true);
  // The revoked-session check: in memory, no storage round trip.
  if (ctx.revocations.isRevoked(sid, ctx.clock.nowMs()))
    throw unauthenticated('session revoked', true);
  return { userId: sub, sessionId: sid, via: 'bearer' };
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

/**
 * CORS for browser apps on other origins (`GATEHOUSE_CORS_ORIGINS`), through @fastify/cors. Only a
 * listed origin gets CORS headers, echoed exactly (never `*`); any other origin, and a request
 * without Origin, gets none and is answered as if CORS were off. Credentials are allowed only on
 * the routes that read the session cookie: the token endpoints take their secrets in the body.
 */
import type { FastifyCorsOptions } from '@fastify/cors';
import type { FastifyRequest } from 'fastify';

/** The methods of the API (HEAD: Fastify's twin of each GET). */
export const CORS_METHODS: readonly string[] = ['GET', 'HEAD', 'POST', 'DELETE'];
/** The request headers the API reads; anything else is refused in the preflight. */
export const CORS_REQUEST_HEADERS: readonly string[] = [
  'authorization',
  'content-type',
  'dpop',
  'x-request-id',
];
/** Response headers a browser client needs besides the safelisted ones (the client SDK reads them). */
export const CORS_EXPOSED_HEADERS: readonly string[] = [
  // RFC 9449 section 8: the nonce a browser client's next DPoP proof must carry.
  'dpop-nonce',
  'retry-after',
  'www-authenticate',
  'x-request-id',
];
/**
 * How long a browser may reuse a preflight answer: 10 minutes keeps most calls to one request
 * without keeping a removed origin or header alive for long (Chromium caps it at 2 hours anyway).
 */
export const CORS_MAX_AGE_SECONDS = 600;

/** The paths whose routes accept the session cookie (routes/sessions.ts, accounts.ts, email.ts). */
const COOKIE_PATHS = new Set([
  '/v1/session',
  '/v1/logout',
  '/v1/me',
  '/v1/sessions',
  '/v1/password',
  '/v1/email/change',
]);
const SESSION_BY_ID = /^\/v1\/sessions\/[^/]+$/;

/**
 * Whether a path's routes accept the session cookie, so that a credentialed browser request to it
 * may be read (`Access-Control-Allow-Credentials: true`). Matched on the raw path, as a preflight
 * (routed to the catch-all OPTIONS route) has no other; an encoded variant matches nothing, so it
 * fails closed.
 *
 * @example
 * acceptsSessionCookie('/v1/sessions/abc'); // true
 * acceptsSessionCookie('/v1/token'); // false
 */
export function acceptsSessionCookie(path: string): boolean {
  return COOKIE_PATHS.has(path) || SESSION_BY_ID.test(path);
}

/**
 * The @fastify/cors options for the listed origins (already validated and normalised by
 * config.ts), decided per request.
 *
 * @example
 * await app.register(cors, createCorsOptions(['https://app.example.com']));
 */
export function createCorsOptions(origins: readonly string[]): FastifyCorsOptions {
  const allowed = new Set(origins);
  return {
    // The plugin's catch-all OPTIONS route is an implementation detail, not part of the API.
    hideOptionsRoute: true,
    delegator(request: FastifyRequest, callback) {
      const origin = request.headers.origin;
      if (origin === undefined || !allowed.has(origin)) {
        // false: no CORS header at all, no preflight answer (the OPTIONS request goes on to the
        // 405/404 it gets without CORS). The plugin still adds Vary: Origin, for caches.
        callback(null, { origin: false });
        return;
      }
      const path = request.url.split('?')[0] ?? '';
      callback(null, {
        // The exact origin of the request, never `*` (which would also forbid credentials).
        origin,
        credentials: acceptsSessionCookie(path),
        methods: [...CORS_METHODS],
        allowedHeaders: [...CORS_REQUEST_HEADERS],
        exposedHeaders: [...CORS_EXPOSED_HEADERS],
        maxAge: CORS_MAX_AGE_SECONDS,
        // Only a real preflight (Fetch: OPTIONS with Access-Control-Request-Method) is answered
        // 204; another OPTIONS request goes on to the 405 it gets without CORS, readable by the app.
        preflight:
          request.method === 'OPTIONS' &&
          request.headers['access-control-request-method'] !== undefined,
      });
    },
  };
}

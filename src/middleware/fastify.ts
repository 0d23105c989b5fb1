/**
 * Fastify (5) adapter: a preHandler, `app.get('/orders', { preHandler: requireAccessToken(guard) }, handler)`.
 * On success the claims are at `request.gatehouse`; on failure the handler does not run and the
 * refusal's reason is at `request.gatehouseRefusal`, for an onResponse hook that logs it.
 */
import type { GatehouseClaims } from '../access/index.js';
import type { GuardRefusalReason, GuardResult, TokenGuard } from './token-guard.js';

// Types only, nothing imported at run time: every FastifyRequest of a program that imports this
// adapter gets the property. Optional, because a route without the preHandler has none; a handler
// behind it narrows with `request.gatehouse?.sub` or a check.
declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token's claims, set by @gatehouse/middleware/fastify's preHandler. */
    gatehouse?: GatehouseClaims;
    /** Why that preHandler refused the request (set only then), for the request's log. */
    gatehouseRefusal?: GuardRefusalReason;
  }
}

interface FastifyLikeRequest {
  headers: { authorization?: string | undefined; dpop?: string | string[] | undefined };
  method: string;
  /** http or https (X-Forwarded-Proto behind a trusted proxy). */
  protocol: string;
  /** The Host, with its port (X-Forwarded-Host behind a trusted proxy). */
  host: string;
  /** The path and query as the client sent them. */
  url: string;
  gatehouse?: GatehouseClaims;
  gatehouseRefusal?: GuardRefusalReason;
}
interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  send(body: unknown): unknown;
}

/**
 * A Fastify preHandler that lets a request through only with a valid access token.
 *
 * @example
 * app.get('/orders', { preHandler: requireAccessToken(guard) }, async (request) => ({
 *   user: request.gatehouse?.sub,
 * }));
 */
export function requireAccessToken(guard: TokenGuard) {
  return async (request: FastifyLikeRequest, reply: FastifyLikeReply): Promise<void> => {
    const dpop = request.headers.dpop;
    const result: GuardResult = await guard.check({
      authorization: request.headers.authorization,
      dpop: Array.isArray(dpop) ? dpop.join(', ') : dpop,
      method: request.method,
      url: `${request.protocol}://${request.host}${request.url}`,
    });
    if (result.ok) {
      request.gatehouse = result.claims;
      return;
    }
    request.gatehouseRefusal = result.reason;
    await reply
      .code(result.status)
      .headers({ ...result.headers })
      .send(result.body);
  };
}

/**
 * Fastify (5) adapter: a preHandler, `app.get('/orders', { preHandler: requireAccessToken(guard) }, handler)`.
 * On success the claims are at `request.gatehouse`; on failure the handler does not run.
 */
import type { GatehouseClaims } from '../access/index.js';
import type { GuardResult, TokenGuard } from './token-guard.js';

// Types only, nothing imported at run time: every FastifyRequest of a program that imports this
// adapter gets the property. Optional, because a route without the preHandler has none; a handler
// behind it narrows with `request.gatehouse?.sub` or a check.
declare module 'fastify' {
  interface FastifyRequest {
    /** The verified access token's claims, set by gatehouse/middleware/fastify's preHandler. */
    gatehouse?: GatehouseClaims;
  }
}

interface FastifyLikeRequest {
  headers: { authorization?: string | undefined };
  gatehouse?: GatehouseClaims;
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
    const result: GuardResult = await guard.check(request.headers.authorization);
    if (result.ok) {
      request.gatehouse = result.claims;
      return;
    }
    await reply
      .code(result.status)
      .headers({ ...result.headers })
      .send(result.body);
  };
}

/**
 * Fastify (5) adapter: a preHandler, `app.get('/orders', { preHandler: requireAccessToken(guard) }, handler)`.
 * On success the claims are at `request.gatehouse`; on failure the handler does not run.
 */
import type { GuardResult, TokenGuard } from './token-guard.js';

interface FastifyLikeRequest {
  headers: { authorization?: string | undefined };
  gatehouse?: unknown;
}
interface FastifyLikeReply {
  code(status: number): FastifyLikeReply;
  headers(values: Record<string, string>): FastifyLikeReply;
  send(body: unknown): unknown;
}

/** A Fastify preHandler that lets a request through only with a valid access token. */
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

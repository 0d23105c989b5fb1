/**
 * Hono adapter: `app.use('/orders/*', requireAccessToken(guard))`. On success the claims are at
 * `c.get('gatehouse')`; on failure the handler does not run.
 */
import type { GuardResult, TokenGuard } from './token-guard.js';

interface HonoLikeContext {
  req: { header(name: string): string | undefined };
  set(key: 'gatehouse', value: unknown): void;
  json(body: unknown, status: number, headers: Record<string, string>): Response;
}

/** Hono middleware that lets a request through only with a valid access token. */
export function requireAccessToken(guard: TokenGuard) {
  return async (c: HonoLikeContext, next: () => Promise<void>): Promise<Response | undefined> => {
    const result: GuardResult = await guard.check(c.req.header('authorization'));
    if (result.ok) {
      c.set('gatehouse', result.claims);
      await next();
      return undefined;
    }
    return c.json(result.body, result.status, { ...result.headers });
  };
}

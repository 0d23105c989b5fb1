/**
 * Hono adapter: `app.use('/orders/*', requireAccessToken(guard))`. On success the claims are at
 * `c.get('gatehouse')`, typed as `GatehouseClaims` on a `Hono<{ Variables: GatehouseVariables }>`
 * (and on any route that lists the middleware before its handler); on failure the handler does
 * not run and the refusal's reason is at `c.get('gatehouseRefusal')`, for a logging middleware
 * that runs around it.
 */
import type { MiddlewareHandler } from 'hono';
import type { GatehouseClaims } from '../access/index.js';
import type { GuardRefusalReason, GuardResult, TokenGuard } from './token-guard.js';

/**
 * The context variables the middleware sets: `new Hono<{ Variables: GatehouseVariables }>()`,
 * or `GatehouseVariables & YourVariables`. `gatehouseRefusal` is set only on a refusal.
 */
export type GatehouseVariables = {
  gatehouse: GatehouseClaims;
  gatehouseRefusal: GuardRefusalReason | undefined;
};

/** The Hono `Env` of a route behind the middleware. */
export type GatehouseEnv = { Variables: GatehouseVariables };

/**
 * Hono middleware that lets a request through only with a valid access token.
 *
 * @example
 * const app = new Hono<{ Variables: GatehouseVariables }>();
 * app.use('/orders/*', requireAccessToken(guard));
 * app.get('/orders', (c) => c.json({ user: c.get('gatehouse').sub }));
 */
export function requireAccessToken(guard: TokenGuard): MiddlewareHandler<GatehouseEnv> {
  return async (c, next) => {
    const result: GuardResult = await guard.check({
      authorization: c.req.header('authorization'),
      dpop: c.req.header('dpop'),
      method: c.req.method,
      // The URL of the request as the server received it (behind a proxy: as the proxy sent it).
      url: c.req.url,
    });
    if (result.ok) {
      c.set('gatehouse', result.claims);
      await next();
      return undefined;
    }
    c.set('gatehouseRefusal', result.reason);
    return c.json(result.body, result.status, { ...result.headers });
  };
}

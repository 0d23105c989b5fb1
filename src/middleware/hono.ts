/**
 * Hono adapter: `app.use('/orders/*', requireAccessToken(guard))`. On success the claims are at
 * `c.get('gatehouse')`, typed as `GatehouseClaims` on a `Hono<{ Variables: GatehouseVariables }>`
 * (and on any route that lists the middleware before its handler); on failure the handler does
 * not run.
 */
import type { MiddlewareHandler } from 'hono';
import type { GatehouseClaims } from '../access/index.js';
import type { GuardResult, TokenGuard } from './token-guard.js';

/**
 * The context variables the middleware sets: `new Hono<{ Variables: GatehouseVariables }>()`,
 * or `GatehouseVariables & YourVariables`.
 */
export type GatehouseVariables = { gatehouse: GatehouseClaims };

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
    const result: GuardResult = await guard.check(c.req.header('authorization'));
    if (result.ok) {
      c.set('gatehouse', result.claims);
      await next();
      return undefined;
    }
    return c.json(result.body, result.status, { ...result.headers });
  };
}

/**
 * Express (5) adapter: `app.get('/orders', requireAccessToken(guard), handler)`. On success the
 * claims are at `res.locals.gatehouse` (and `req.auth`), typed `GatehouseClaims` in the handlers
 * of that route; on failure the handler does not run. The request and response are described by
 * their shape, so the adapter needs neither express nor @types/express at run time.
 */
import type { GatehouseClaims } from '../access/index.js';
import type { GuardResult, TokenGuard } from './token-guard.js';

/**
 * `res.locals` behind the middleware. A route that lists the middleware before its handler gets
 * it inferred (@types/express threads one `Locals` type through a route's handlers); a handler
 * declared apart, or behind an `app.use`, says so itself: `res: Response<Body, GatehouseLocals>`.
 * Other locals stay writable and read as `unknown`.
 *
 * @example
 * app.get('/orders', requireAccessToken(guard), (req, res) => res.json({ user: res.locals.gatehouse.sub }));
 */
export interface GatehouseLocals {
  gatehouse: GatehouseClaims;
  [local: string]: unknown;
}

interface ExpressRequest {
  headers: { authorization?: string | undefined };
  auth?: unknown;
}
interface ExpressResponse {
  locals: GatehouseLocals;
  status(code: number): ExpressResponse;
  set(headers: Record<string, string>): ExpressResponse;
  json(body: unknown): unknown;
}
type Next = (error?: unknown) => void;

/**
 * Express middleware that lets a request through only with a valid access token.
 *
 * @example
 * app.get('/orders', requireAccessToken(guard), (req, res) => res.json({ user: res.locals.gatehouse.sub }));
 */
export function requireAccessToken(guard: TokenGuard) {
  return (req: ExpressRequest, res: ExpressResponse, next: Next): void => {
    guard.check(req.headers.authorization).then((result: GuardResult) => {
      if (result.ok) {
        res.locals.gatehouse = result.claims;
        req.auth = result.claims;
        next();
        return;
      }
      res
        .status(result.status)
        .set({ ...result.headers })
        .json(result.body);
    }, next);
  };
}

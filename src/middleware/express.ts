/**
 * Express (5) adapter: `app.get('/orders', requireAccessToken(guard), handler)`. On success the
 * claims are at `res.locals.gatehouse` (and `req.auth`), typed `GatehouseClaims` in the handlers
 * of that route; on failure the handler does not run and the refusal's reason is at
 * `res.locals.gatehouseRefusal`, for the API's request log. The request and response are
 * described by their shape, so the adapter needs neither express nor @types/express at run time.
 */
import type { GatehouseClaims } from '../access/index.js';
import type { GuardRefusalReason, GuardResult, TokenGuard } from './token-guard.js';

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
  /** Why the middleware refused the request (set only then), for a request logger. */
  gatehouseRefusal?: GuardRefusalReason;
  [local: string]: unknown;
}

interface ExpressRequest {
  headers: { authorization?: string | undefined; dpop?: string | string[] | undefined };
  method: string;
  /** http or https (X-Forwarded-Proto behind a proxy Express trusts). */
  protocol: string;
  /** The Host, with its port (Express 5; X-Forwarded-Host behind a trusted proxy). */
  host?: string | undefined;
  /** The path and query as the client sent them, whatever router it is mounted on. */
  originalUrl: string;
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
    const dpop = req.headers.dpop;
    guard
      .check({
        authorization: req.headers.authorization,
        // Repeated, it is not one proof: the check refuses what is not a single value.
        dpop: Array.isArray(dpop) ? dpop.join(', ') : dpop,
        method: req.method,
        url: `${req.protocol}://${req.host ?? ''}${req.originalUrl}`,
      })
      .then((result: GuardResult) => {
        if (result.ok) {
          res.locals.gatehouse = result.claims;
          req.auth = result.claims;
          next();
          return;
        }
        res.locals.gatehouseRefusal = result.reason;
        res
          .status(result.status)
          .set({ ...result.headers })
          .json(result.body);
      }, next);
  };
}

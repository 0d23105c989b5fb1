/**
 * Express (5) adapter: `app.get('/orders', requireAccessToken(guard), handler)`. On success the
 * claims are at `res.locals.gatehouse` (and `req.auth`); on failure the handler does not run.
 */
import type { GuardResult, TokenGuard } from './token-guard.js';

interface ExpressRequest {
  headers: { authorization?: string | undefined };
  auth?: unknown;
}
interface ExpressResponse {
  locals: Record<string, unknown>;
  status(code: number): ExpressResponse;
  set(headers: Record<string, string>): ExpressResponse;
  json(body: unknown): unknown;
}
type Next = (error?: unknown) => void;

/** Express middleware that lets a request through only with a valid access token. */
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

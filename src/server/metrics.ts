/**
 * Prometheus metrics of one instance (GET /metrics, on when GATEHOUSE_METRICS_TOKEN is set): one
 * prom-client Registry per application, never the global one, so instances built side by side in
 * one process (tests, library users) count apart. Every label value comes from a bounded set: the
 * route pattern (never the URL), the method, the status, a fixed list of failure reasons. Never a
 * token, an email or an address.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** The label of a request that matched no route (404, 405): its URL would be unbounded. */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Failure reasons counted by name: the AuthError codes of refused credentials, and the reasons
 * server/authenticate.ts and access/tokens.ts give. Anything else counts as "other", so a new
 * reason (or a free-text one) can never grow the label set.
 */
const FAILURE_REASONS: Readonly<Record<string, string>> = {
  ERR_AUTH_INVALID_CREDENTIALS: 'invalid_credentials',
  ERR_AUTH_RATE_LIMITED: 'rate_limited',
  ERR_AUTH_UNAUTHENTICATED: 'unauthenticated',
  ERR_REFRESH_INVALID: 'refresh_invalid',
  ERR_REFRESH_REUSED: 'refresh_reused',
  ERR_REFRESH_SESSION_MISMATCH: 'refresh_session_mismatch',
  ERR_REFRESH_CLIENT_MISMATCH: 'refresh_client_mismatch',
  ERR_CLIENT_INVALID: 'client_invalid',
  ERR_INTROSPECTION_CLIENT_INVALID: 'introspection_client_invalid',
  ERR_JWT_MALFORMED: 'jwt_malformed',
  ERR_JWT_TOO_LARGE: 'jwt_too_large',
  ERR_JWS_ALG_NOT_ALLOWED: 'jws_alg_not_allowed',
  ERR_JWS_HEADER_INVALID: 'jws_header_invalid',
  ERR_JWS_CRIT_UNSUPPORTED: 'jws_crit_unsupported',
  ERR_JWS_KEY_NOT_FOUND: 'jws_key_not_found',
  ERR_JWS_SIGNATURE_INVALID: 'jws_signature_invalid',
  ERR_JWT_EXPIRED: 'jwt_expired',
  ERR_JWT_NOT_YET_VALID: 'jwt_not_yet_valid',
  ERR_JWT_CLAIM_MISSING: 'jwt_claim_missing',
  ERR_JWT_CLAIM_INVALID: 'jwt_claim_invalid',
  'no credential': 'no_credential',
  'malformed authorization header': 'malformed_authorization',
  'unsupported authorization scheme': 'unsupported_scheme',
  'session cookie invalid or expired': 'session_cookie_invalid',
  'malformed basic credentials': 'basic_malformed',
  'basic credentials rejected': 'basic_rejected',
  'token lacks sub or sid': 'token_claims_missing',
  'session revoked': 'session_revoked',
  'metrics token': 'metrics_token',
  'admin token': 'admin_token',
  // DPoP (server/authenticate.ts, access/tokens.ts, dpop/verify.ts, refresh/service.ts).
  'dpop-bound token sent as bearer': 'dpop_bound_as_bearer',
  'token not dpop-bound': 'dpop_token_unbound',
  'bearer refused: dpop required': 'dpop_required',
  key_mismatch: 'dpop_key_mismatch',
  proof_missing: 'dpop_proof_missing',
  replayed: 'dpop_replayed',
  nonce_missing: 'dpop_nonce_missing',
  nonce_invalid: 'dpop_nonce_invalid',
  iat_window: 'dpop_iat_window',
};
const OTHER_REASON = 'other';

const RESULTS = ['success', 'failure', 'rate_limited', 'error'] as const;
type Result = (typeof RESULTS)[number];
const resultOf = (status: number): Result =>
  status < 400 ? 'success' : status === 429 ? 'rate_limited' : status >= 500 ? 'error' : 'failure';

/** Seconds: a password check takes ~30 ms, a token check well under 1 ms. */
const DURATION_BUCKETS = [0.005, 0.025, 0.1, 0.25, 1, 5];

export interface HttpMetrics {
  /** Counts one answered request; allocates only on the first sight of a label combination. */
  observe(
    route: string | undefined,
    method: string,
    status: number,
    seconds: number,
    failureCode: string | undefined,
    grantType: unknown,
  ): void;
  /** The exposition text (the revocation gauge and process metrics read at this moment). */
  render(): Promise<string>;
  readonly contentType: string;
}

export interface HttpMetricsOptions {
  /** Sessions on the in-memory revocation list, read at scrape time. */
  readonly revocationListSize: () => number;
  /** node's process metrics (CPU, memory, event loop, GC); default true. */
  readonly processMetrics?: boolean;
}

/**
 * Creates the metrics of one application, on a registry of its own.
 *
 * @example
 * const metrics = createHttpMetrics({ revocationListSize: () => context.revocations.size });
 * metrics.observe('/v1/me', 'GET', 200, 0.002, undefined, undefined);
 */
export function createHttpMetrics(options: HttpMetricsOptions): HttpMetrics {
  const registry = new Registry();
  const requests = new Counter({
    name: 'gatehouse_http_requests_total',
    help: 'HTTP requests answered, by route pattern, method and status.',
    labelNames: ['route', 'method', 'status'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'gatehouse_http_request_duration_seconds',
    help: 'Time from the request to the end of its answer, by route pattern.',
    labelNames: ['route'],
    buckets: DURATION_BUCKETS,
    registers: [registry],
  });
  const authFailures = new Counter({
    name: 'gatehouse_auth_failures_total',
    help: 'Refused credentials (and any other 401 or 429), by reason: a fixed list, else "other".',
    labelNames: ['reason'],
    registers: [registry],
  });
  const logins = new Counter({
    name: 'gatehouse_logins_total',
    help: 'Logins (password grant and cookie sign-in) by result.',
    labelNames: ['result'],
    registers: [registry],
  });
  const refreshes = new Counter({
    name: 'gatehouse_refreshes_total',
    help: 'Refresh-token grants by result.',
    labelNames: ['result'],
    registers: [registry],
  });
  new Gauge({
    name: 'gatehouse_revocation_list_size',
    help: 'Sessions on the in-memory revocation list.',
    registers: [registry],
    collect() {
      this.set(options.revocationListSize());
    },
  });
  if (options.processMetrics !== false) collectDefaultMetrics({ register: registry });

  // Children resolved once per label combination: the hot path is map lookups, no label object
  // and no key string per request (prom-client's inc(labels) hashes the labels on every call).
  const byRoute = new Map<string, Map<string, Map<number, Counter.Internal>>>();
  const durationByRoute = new Map<string, Histogram.Internal<string>>();
  const failureChildren = new Map<string, Counter.Internal>();
  for (const reason of [...Object.values(FAILURE_REASONS), OTHER_REASON])
    failureChildren.set(reason, authFailures.labels(reason));
  const loginChildren = new Map(RESULTS.map((result) => [result, logins.labels(result)]));
  const refreshChildren = new Map(RESULTS.map((result) => [result, refreshes.labels(result)]));
  // Every result shown from the start, at 0: a rate over a series that appears later misses its
  // first count.
  for (const child of [...loginChildren.values(), ...refreshChildren.values()]) child.inc(0);

  return {
    contentType: registry.contentType,
    render: () => registry.metrics(),
    observe(routeGiven, method, status, seconds, failureCode, grantType) {
      const route = routeGiven ?? UNMATCHED_ROUTE;
      let byMethod = byRoute.get(route);
      if (byMethod === undefined) {
        byMethod = new Map();
        byRoute.set(route, byMethod);
      }
      let byStatus = byMethod.get(method);
      if (byStatus === undefined) {
        byStatus = new Map();
        byMethod.set(method, byStatus);
      }
      let counter = byStatus.get(status);
      if (counter === undefined) {
        counter = requests.labels(route, method, String(status));
        byStatus.set(status, counter);
      }
      counter.inc();
      let timer = durationByRoute.get(route);
      if (timer === undefined) {
        timer = duration.labels(route);
        durationByRoute.set(route, timer);
      }
      timer.observe(seconds);

      // A listed reason counts whatever the status: the token endpoint answers a wrong password
      // or refresh token 400 invalid_grant (RFC 6749 section 5.2), not 401. Any other 401 or 429
      // counts as "other".
      const named = failureCode === undefined ? undefined : FAILURE_REASONS[failureCode];
      if (named !== undefined) failureChildren.get(named)?.inc();
      else if (status === 401 || status === 429) failureChildren.get(OTHER_REASON)?.inc();
      if (method !== 'POST') return;
      if (route === '/v1/token') {
        if (grantType === 'password') loginChildren.get(resultOf(status))?.inc();
        else if (grantType === 'refresh_token') refreshChildren.get(resultOf(status))?.inc();
      } else if (route === '/v1/session') {
        loginChildren.get(resultOf(status))?.inc();
      }
    },
  };
}

/**
 * Checks `Authorization: Bearer <token>` against the metrics token in constant time: both sides
 * are hashed to SHA-256 first, so timingSafeEqual compares equal lengths and the time taken says
 * nothing about the token's length or its first differing byte.
 *
 * @example
 * const check = createMetricsTokenCheck(config.metricsToken);
 * if (!check(request.headers.authorization)) throw unauthenticated;
 */
export function createMetricsTokenCheck(token: string): (authorization: unknown) => boolean {
  const expected = createHash('sha256').update(token, 'utf8').digest();
  return (authorization) => {
    if (typeof authorization !== 'string') return false;
    const match = /^Bearer +(\S+) *$/i.exec(authorization);
    if (match === null) return false;
    const given = createHash('sha256')
      .update(match[1] as string, 'utf8')
      .digest();
    return timingSafeEqual(given, expected);
  };
}

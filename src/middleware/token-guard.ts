/**
 * The framework-free core of the API middleware: checks `Authorization: Bearer` access tokens
 * against the issuer's JWKS without calling the issuer per request.
 *
 * The JWKS URL comes from the issuer's RFC 8414 metadata (or is given). The key set is cached;
 * a token with an unknown `kid` triggers one refetch, at most once per `refetchIntervalMs` (so a
 * flood of made-up kids cannot turn into a flood of fetches), which is how a key rotation at the
 * issuer reaches every API. Checked: signature, `iss`, `aud`, `typ: at+jwt`, `exp`/`nbf`/`iat`,
 * and the required scopes. Failures are RFC 6750 answers: 401 with `WWW-Authenticate`, or 403
 * `insufficient_scope`.
 */
import {
  accessClaimsOf,
  accessVerifierOptions,
  type GatehouseClaims,
  parseAuthorization,
} from '../access/index.js';
import { AuthError, type Clock, systemClock } from '../core/index.js';
import {
  createJwtVerifier,
  createKeyRing,
  importJwks,
  type JwtPayload,
  publicKeyOf,
} from '../jwt/index.js';

export interface TokenGuardOptions {
  /** The issuer (Gatehouse's GATEHOUSE_ISSUER), e.g. https://auth.example.com */
  readonly issuer: string;
  /** This API's audience (Gatehouse's GATEHOUSE_AUDIENCE). */
  readonly audience: string;
  /** The JWKS URL; by default read from `${issuer}/.well-known/oauth-authorization-server`. */
  readonly jwksUri?: string;
  /** Scopes every request must carry (space-separated `scope` claim). */
  readonly requiredScopes?: readonly string[];
  /** Minimum time between two JWKS fetches triggered by unknown kids (default 30 s). */
  readonly refetchIntervalMs?: number;
  /** Clock skew allowed on time claims (default 5 s). */
  readonly clockToleranceSeconds?: number;
  readonly fetch?: typeof globalThis.fetch;
  readonly clock?: Clock;
  /** Realm in WWW-Authenticate (default "api"). */
  readonly realm?: string;
}

export type GuardResult =
  | { readonly ok: true; readonly claims: GatehouseClaims }
  | {
      readonly ok: false;
      readonly status: 401 | 403 | 503;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: { readonly error: string; readonly error_description: string };
    };

export interface TokenGuard {
  /** Checks the value of an Authorization header (or undefined when there is none). */
  check(authorization: string | undefined): Promise<GuardResult>;
}

/**
 * Creates a guard. Options are validated now; the JWKS is fetched on first use.
 *
 * @throws AuthError ERR_CONFIG_INVALID for bad options
 * @example
 * const guard = createTokenGuard({ issuer: 'https://auth.example.com', audience: 'https://api.example.com' });
 * const result = await guard.check(request.headers.authorization);
 */
export function createTokenGuard(options: TokenGuardOptions): TokenGuard {
  const problems: string[] = [];
  if (typeof options.issuer !== 'string' || !/^https?:\/\//.test(options.issuer))
    problems.push('issuer must be an http(s) URL');
  if (typeof options.audience !== 'string' || options.audience === '')
    problems.push('audience must be a non-empty string');
  if (
    options.requiredScopes !== undefined &&
    !options.requiredScopes.every((s) => typeof s === 'string' && /^\S+$/.test(s))
  ) {
    problems.push('requiredScopes must be scope tokens');
  }
  if (problems.length > 0)
    throw new AuthError(
      'ERR_CONFIG_INVALID',
      `invalid token guard options: ${problems.join('; ')}`,
      { problems },
    );

  const issuer = options.issuer.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const refetchIntervalMs = options.refetchIntervalMs ?? 30_000;
  const realm = options.realm ?? 'api';
  const requiredScopes = options.requiredScopes ?? [];

  // The verifier is built now, over a ring filled on first use, so that bad options (a negative
  // tolerance, say) fail here with ERR_CONFIG_INVALID instead of every request failing later.
  const ring = createKeyRing();
  const verifier = createJwtVerifier(
    accessVerifierOptions({
      keys: ring,
      issuer,
      audience: options.audience,
      clock,
      clockToleranceSeconds: options.clockToleranceSeconds ?? 5,
    }),
  );
  let loaded = false;
  let lastFetchMs = Number.NEGATIVE_INFINITY;
  let inflight: Promise<void> | null = null;

  const jwksUri = async (): Promise<string> => {
    if (options.jwksUri !== undefined) return options.jwksUri;
    const response = await fetchImpl(`${issuer}/.well-known/oauth-authorization-server`, {
      headers: { accept: 'application/json' },
    });
    if (!response.ok) throw new Error(`metadata answered ${response.status}`);
    const metadata = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
    // RFC 8414 section 3.3: the metadata must name the issuer we asked.
    if (metadata.issuer !== issuer || typeof metadata.jwks_uri !== 'string')
      throw new Error('metadata does not match the issuer');
    return metadata.jwks_uri;
  };

  /** Fetches the key set (one fetch at a time) and swaps it in. */
  const refresh = () => {
    inflight ??= (async () => {
      try {
        lastFetchMs = clock.nowMs();
        const response = await fetchImpl(await jwksUri(), {
          headers: { accept: 'application/json' },
        });
        if (!response.ok) throw new Error(`JWKS answered ${response.status}`);
        const keys = importJwks(await response.text()).map((key) =>
          key.kind === 'private' ? publicKeyOf(key) : key,
        );
        // Same ring object: the verifier sees the change, and its cache drops stale entries.
        for (const key of ring.list())
          if (!keys.some((k) => k.kid === key.kid)) ring.remove(key.kid);
        for (const key of keys) if (ring.get(key.kid) === undefined) ring.add(key);
        loaded = true;
      } finally {
        inflight = null;
      }
    })();
    return inflight;
  };

  const challenge = (error?: string, description?: string) =>
    error === undefined
      ? `Bearer realm="${realm}"`
      : `Bearer realm="${realm}", error="${error}", error_description="${description}"`;

  const fail = (
    status: 401 | 403 | 503,
    error: string,
    description: string,
    withChallenge: boolean,
  ): GuardResult => ({
    ok: false,
    status,
    headers:
      status === 503
        ? {}
        : { 'www-authenticate': withChallenge ? challenge(error, description) : challenge() },
    body: { error, error_description: description },
  });

  const verify = (token: string): JwtPayload => verifier.verify(token).payload;

  return {
    async check(authorization) {
      const credentials = parseAuthorization(authorization);
      if (credentials.kind === 'none')
        return fail(401, 'invalid_request', 'No access token.', false);
      if (credentials.kind === 'malformed' || credentials.scheme !== 'bearer')
        return fail(
          401,
          'invalid_request',
          'Send the access token as Authorization: Bearer.',
          true,
        );
      const token = credentials.value;
      try {
        if (!loaded) await refresh();
      } catch {
        return fail(503, 'temporarily_unavailable', 'The issuer keys cannot be fetched.', false);
      }
      let payload: JwtPayload;
      try {
        payload = verify(token);
      } catch (error) {
        if (!(error instanceof AuthError)) throw error;
        if (
          error.code !== 'ERR_JWS_KEY_NOT_FOUND' ||
          clock.nowMs() - lastFetchMs < refetchIntervalMs
        ) {
          return fail(401, 'invalid_token', 'The access token is invalid or expired.', true);
        }
        try {
          await refresh();
          payload = verify(token);
        } catch {
          return fail(401, 'invalid_token', 'The access token is invalid or expired.', true);
        }
      }
      // The verifier checks that sid and client_id are present, not their type; handlers get
      // GatehouseClaims, so a payload that does not fit it is refused rather than mistyped.
      const claims = accessClaimsOf(payload);
      if (claims === null)
        return fail(401, 'invalid_token', 'The access token is invalid or expired.', true);
      if (requiredScopes.length > 0) {
        const granted = new Set(claims.scope === undefined ? [] : claims.scope.split(' '));
        const missing = requiredScopes.filter((s) => !granted.has(s));
        if (missing.length > 0) {
          const result = fail(
            403,
            'insufficient_scope',
            'The access token lacks a required scope.',
            true,
          );
          return {
            ...result,
            headers: {
              'www-authenticate': `${challenge('insufficient_scope', 'The access token lacks a required scope.')}, scope="${requiredScopes.join(' ')}"`,
            },
          } as GuardResult;
        }
      }
      return { ok: true, claims };
    },
  };
}

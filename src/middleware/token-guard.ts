/**
 * The framework-free core of the API middleware: checks `Authorization: Bearer` access tokens
 * against the issuer's JWKS without calling the issuer per request.
 *
 * The JWKS URL comes from the issuer's RFC 8414 metadata (or is given). The key set is cached;
 * a token with an unknown `kid` triggers one refetch, at most once per `refetchIntervalMs` (so a
 * flood of made-up kids cannot turn into a flood of fetches), which is how a key rotation at the
 * issuer reaches every API. Checked: signature, `iss`, `aud`, `typ: at+jwt`, `exp`/`nbf`/`iat`,
 * the session against the issuer's revocation feed (`followRevocations`), and the required
 * scopes. Failures are RFC 6750 answers: 401 with `WWW-Authenticate`, 403 `insufficient_scope`,
 * or 503 when the issuer cannot be reached; each carries a machine-readable `reason` for the
 * API's log (never the token).
 *
 * Fetches to the issuer (metadata, JWKS, feed) time out after `fetchTimeoutMs` and back off after
 * a failure (issuer-fetch.ts): one fetch at a time, none during the backoff.
 */
import {
  accessClaimsOf,
  accessVerifierOptions,
  type GatehouseClaims,
  parseAuthorization,
} from '../access/index.js';
import { AuthError, type Clock, systemClock } from '../core/index.js';
import {
  createDpopVerifier,
  createMemoryReplayCache,
  normaliseHtu,
  type ReplayCache,
} from '../dpop/index.js';
import {
  createJwtVerifier,
  createKeyRing,
  importJwks,
  type JwtPayload,
  publicKeyOf,
} from '../jwt/index.js';
import {
  createRetryGate,
  fetchText,
  IssuerUnavailableError,
  MAX_DOCUMENT_BYTES,
  MAX_FEED_PAGE_BYTES,
} from './issuer-fetch.js';
import { createRevocationFollower, type RevocationFollower } from './revocation-follower.js';

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
  /** Each fetch to the issuer (metadata, JWKS, feed page) fails after this (default 3000 ms). */
  readonly fetchTimeoutMs?: number;
  /**
   * After a failed fetch, none until this has passed (default 1000 ms), doubling after each
   * further failure up to `maxBackoffMs` (default 10 000 ms); checks that need the issuer in the
   * meantime answer 503 at once.
   */
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs?: number;
  /**
   * Follow the issuer's revocation feed (GET /v1/revocations): tokens of a session ended at the
   * issuer are refused within `revocationPollIntervalMs` plus one read (README, Protecting your
   * own API). Default false: such tokens work until their `exp`.
   */
  readonly followRevocations?: boolean;
  /** The feed URL; by default `gatehouse_revocation_feed_uri` of the issuer's metadata. */
  readonly revocationFeedUri?: string;
  /** How often the feed is read (default 2000 ms). */
  readonly revocationPollIntervalMs?: number;
  /** The last complete read may be this old before the feed counts as stale (default 10 000 ms). */
  readonly revocationStaleAfterMs?: number;
  /**
   * What a check does while the feed is stale: `refuse` (default) answers 503
   * `revocations_stale` until the feed answers again; `accept` keeps answering from the last read.
   */
  readonly whenRevocationsStale?: 'refuse' | 'accept';
  /**
   * DPoP (RFC 9449). `allowed` (default): a token bound to a key (`cnf.jkt`) must come as
   * `Authorization: DPoP` with a proof of that key for this method and URL; an unbound token may
   * come as Bearer. `required`: Bearer is refused. Either way a bound token sent as Bearer is
   * refused, so a stolen bound token is useless without its key.
   */
  readonly dpop?: 'allowed' | 'required';
  /**
   * Where proof ids (`jti`) are remembered so that a proof is used once. Default: in memory,
   * 100 000 entries (a full cache refuses with 503 rather than forget a live entry). Several
   * instances of one API should share one (README: a Redis `SET NX PX` is enough).
   */
  readonly dpopReplayCache?: ReplayCache;
  /**
   * The API's public base URL (e.g. https://api.example.com), to which the request path is
   * appended to get the URL a proof must name (`htu`). Needed for DPoP: without it a request
   * under the DPoP scheme is refused (`dpop_invalid`), and `dpop: 'required'` is a config error.
   * The request's own Host header cannot stand in for it: the client chooses it, so a proof
   * captured at another API with the same audience and path would pass with `Host: that-api`.
   */
  readonly publicUrl?: string;
}

/**
 * Why a request was refused, for the API's log; stable values (more may be added).
 * `no_token`, `malformed_header` and `wrong_scheme` concern the Authorization header;
 * `invalid_token` (bad signature, claims, audience, type...), `expired`, `unknown_key`,
 * `revoked` (listed by the revocation feed), `dpop_required` (a key-bound token sent as Bearer,
 * or any Bearer token with `dpop: 'required'`) and `dpop_invalid` (a missing, malformed, replayed
 * or mismatched proof, or an unbound token sent as DPoP) the token; `insufficient_scope` its scopes; `issuer_unavailable` (keys) and
 * `revocations_stale` (feed) the issuer; `dpop_replay_cache_full` the API's proof cache.
 */
export type GuardRefusalReason =
  | 'no_token'
  | 'malformed_header'
  | 'wrong_scheme'
  | 'invalid_token'
  | 'expired'
  | 'unknown_key'
  | 'revoked'
  | 'dpop_required'
  | 'dpop_invalid'
  | 'insufficient_scope'
  | 'issuer_unavailable'
  | 'revocations_stale'
  | 'dpop_replay_cache_full';

export type GuardResult =
  | { readonly ok: true; readonly claims: GatehouseClaims }
  | {
      readonly ok: false;
      readonly status: 401 | 403 | 503;
      /** For the API's log; never shown to the caller beyond the body's `error`. */
      readonly reason: GuardRefusalReason;
      readonly headers: Readonly<Record<string, string>>;
      readonly body: { readonly error: string; readonly error_description: string };
    };

/** What a check reads of a request; adapters fill it from their framework's request. */
export interface GuardRequest {
  /** The Authorization header, if any. */
  readonly authorization: string | undefined;
  /** The DPoP header (RFC 9449), for the proof check. */
  readonly dpop?: string | undefined;
  /** The request method, e.g. GET. */
  readonly method?: string;
  /** The full URL the client called (scheme, host, path and query), as the DPoP `htu` names it. */
  readonly url?: string;
}

export interface TokenGuard {
  /** Checks a request, or the value of its Authorization header (undefined when none). */
  check(request: GuardRequest | string | undefined): Promise<GuardResult>;
  /**
   * Stops following the revocation feed (its timer). Checks go on; with `followRevocations`
   * they meet the stale policy once the last read is `revocationStaleAfterMs` old.
   */
  close(): void;
}

type Refusal = Extract<GuardResult, { ok: false }>;

/** The metadata members the guard reads (RFC 8414, and Gatehouse's feed extension). */
interface IssuerMetadata {
  readonly jwksUri: string;
  readonly feedUri: string | undefined;
}

const isHttpUrl = (value: unknown) => typeof value === 'string' && /^https?:\/\/./.test(value);

/** Validates the options once, listing every problem. */
function checkOptions(options: TokenGuardOptions): void {
  const problems: string[] = [];
  if (!isHttpUrl(options.issuer)) problems.push('issuer must be an http(s) URL');
  if (typeof options.audience !== 'string' || options.audience === '')
    problems.push('audience must be a non-empty string');
  if (
    options.requiredScopes !== undefined &&
    !options.requiredScopes.every((s) => typeof s === 'string' && /^\S+$/.test(s))
  ) {
    problems.push('requiredScopes must be scope tokens');
  }
  if (options.dpop !== undefined && options.dpop !== 'allowed' && options.dpop !== 'required')
    problems.push('dpop must be allowed or required');
  if (
    options.dpopReplayCache !== undefined &&
    typeof (options.dpopReplayCache as { claim?: unknown }).claim !== 'function'
  )
    problems.push('dpopReplayCache must have a claim(key, expiresAtMs) method');
  if (options.dpop === 'required' && options.publicUrl === undefined)
    problems.push("dpop: 'required' needs publicUrl (the URL DPoP proofs must name)");
  for (const name of ['jwksUri', 'revocationFeedUri', 'publicUrl'] as const)
    if (options[name] !== undefined && !isHttpUrl(options[name]))
      problems.push(`${name} must be an http(s) URL`);
  const positive = (name: keyof TokenGuardOptions, max: number) => {
    const value = options[name];
    if (
      value !== undefined &&
      (!Number.isInteger(value) || Number(value) < 1 || Number(value) > max)
    )
      problems.push(`${name} must be an integer from 1 to ${max} (ms)`);
  };
  positive('fetchTimeoutMs', 60_000);
  positive('initialBackoffMs', 600_000);
  positive('maxBackoffMs', 600_000);
  positive('revocationPollIntervalMs', 600_000);
  positive('revocationStaleAfterMs', 3_600_000);
  if ((options.initialBackoffMs ?? 1000) > (options.maxBackoffMs ?? 10_000))
    problems.push('initialBackoffMs must not exceed maxBackoffMs');
  if ((options.revocationStaleAfterMs ?? 10_000) <= (options.revocationPollIntervalMs ?? 2000))
    problems.push('revocationStaleAfterMs must be longer than revocationPollIntervalMs');
  if (
    options.whenRevocationsStale !== undefined &&
    options.whenRevocationsStale !== 'refuse' &&
    options.whenRevocationsStale !== 'accept'
  )
    problems.push('whenRevocationsStale must be refuse or accept');
  if (problems.length > 0)
    throw new AuthError(
      'ERR_CONFIG_INVALID',
      `invalid token guard options: ${problems.join('; ')}`,
      { problems },
    );
}

/**
 * Creates a guard. Options are validated now; the JWKS is fetched on first use, and with
 * `followRevocations` the first check also waits for the feed's snapshot.
 *
 * @throws AuthError ERR_CONFIG_INVALID for bad options
 * @example
 * const guard = createTokenGuard({ issuer: 'https://auth.example.com', audience: 'https://api.example.com', followRevocations: true });
 * const result = await guard.check({ authorization: req.headers.authorization, method: req.method, url });
 * if (!result.ok) log.info({ reason: result.reason }, 'refused');
 */
export function createTokenGuard(options: TokenGuardOptions): TokenGuard {
  checkOptions(options);
  const issuer = options.issuer.replace(/\/+$/, '');
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const clock = options.clock ?? systemClock;
  const refetchIntervalMs = options.refetchIntervalMs ?? 30_000;
  const realm = options.realm ?? 'api';
  const requiredScopes = options.requiredScopes ?? [];
  const toleranceSeconds = options.clockToleranceSeconds ?? 5;
  const fetchTimeoutMs = options.fetchTimeoutMs ?? 3000;
  const backoff = {
    clock,
    initialBackoffMs: options.initialBackoffMs ?? 1000,
    maxBackoffMs: options.maxBackoffMs ?? 10_000,
  };
  const get = (url: string, maxBytes = MAX_DOCUMENT_BYTES) =>
    fetchText(fetchImpl, url, fetchTimeoutMs, maxBytes);

  // The verifier is built now, over a ring filled on first use, so that bad options (a negative
  // tolerance, say) fail here with ERR_CONFIG_INVALID instead of every request failing later.
  const ring = createKeyRing();
  const verifier = createJwtVerifier(
    accessVerifierOptions({
      keys: ring,
      issuer,
      audience: options.audience,
      clock,
      clockToleranceSeconds: toleranceSeconds,
    }),
  );

  let metadata: Promise<IssuerMetadata> | null = null;
  /** The issuer's metadata, fetched once (again after a failure). */
  const issuerMetadata = () => {
    metadata ??= (async () => {
      const body = JSON.parse(
        await get(`${issuer}/.well-known/oauth-authorization-server`),
      ) as Record<string, unknown>;
      // RFC 8414 section 3.3: the metadata must name the issuer we asked.
      if (body.issuer !== issuer || !isHttpUrl(body.jwks_uri))
        throw new Error('metadata does not match the issuer');
      const feed = body.gatehouse_revocation_feed_uri;
      return {
        jwksUri: body.jwks_uri as string,
        feedUri: isHttpUrl(feed) ? (feed as string) : undefined,
      };
    })();
    metadata.catch(() => {
      metadata = null;
    });
    return metadata;
  };

  let loaded = false;
  let lastKeyFetchMs = Number.NEGATIVE_INFINITY;
  /** Fetches the key set and swaps it in (one fetch at a time, with the backoff). */
  const keys = createRetryGate(async () => {
    lastKeyFetchMs = clock.nowMs();
    const uri = options.jwksUri ?? (await issuerMetadata()).jwksUri;
    const fetched = importJwks(await get(uri)).map((key) =>
      key.kind === 'private' ? publicKeyOf(key) : key,
    );
    // Same ring object: the verifier sees the change, and its cache drops stale entries.
    for (const key of ring.list())
      if (!fetched.some((k) => k.kid === key.kid)) ring.remove(key.kid);
    for (const key of fetched) if (ring.get(key.kid) === undefined) ring.add(key);
    loaded = true;
  }, backoff);

  const follower: RevocationFollower | null =
    options.followRevocations === true
      ? createRevocationFollower({
          feedUri: async () => {
            if (options.revocationFeedUri !== undefined) return options.revocationFeedUri;
            const uri = (await issuerMetadata()).feedUri;
            if (uri === undefined) throw new Error('the issuer announces no revocation feed');
            return uri;
          },
          fetchText: (url) => get(url, MAX_FEED_PAGE_BYTES),
          clock,
          pollIntervalMs: options.revocationPollIntervalMs ?? 2000,
          staleAfterMs: options.revocationStaleAfterMs ?? 10_000,
          whenStale: options.whenRevocationsStale ?? 'refuse',
          toleranceMs: toleranceSeconds * 1000,
          initialBackoffMs: backoff.initialBackoffMs,
          maxBackoffMs: backoff.maxBackoffMs,
        })
      : null;

  const challenge = (error?: string, description?: string) =>
    error === undefined
      ? `Bearer realm="${realm}"`
      : `Bearer realm="${realm}", error="${error}", error_description="${description}"`;

  /** A 401 or 403 with its RFC 6750 challenge; `withError`: error attributes in it (section 3). */
  const refuse = (
    status: 401 | 403,
    reason: GuardRefusalReason,
    error: string,
    description: string,
    withError = true,
  ): Refusal => ({
    ok: false,
    status,
    reason,
    headers: {
      // With no token at all, both schemes this API takes are offered (RFC 9449 section 7.1).
      'www-authenticate': withError
        ? challenge(error, description)
        : `${challenge()}, ${dpopChallenge}`,
    },
    body: { error, error_description: description },
  });
  const invalid = (reason: GuardRefusalReason) =>
    refuse(401, reason, 'invalid_token', 'The access token is invalid, expired or revoked.');
  const unavailable = (
    reason: GuardRefusalReason,
    description: string,
    retryInMs: number,
  ): Refusal => ({
    ok: false,
    status: 503,
    reason,
    headers: { 'retry-after': String(Math.max(1, Math.ceil(retryInMs / 1000))) },
    body: { error: 'temporarily_unavailable', error_description: description },
  });
  const issuerDown = (error: unknown) =>
    unavailable(
      'issuer_unavailable',
      'The issuer keys cannot be fetched.',
      error instanceof IssuerUnavailableError ? error.retryAfterMs : keys.retryInMs(),
    );

  /** The reason a verification error stands for. */
  const reasonOf = (error: AuthError): GuardRefusalReason =>
    error.code === 'ERR_JWT_EXPIRED'
      ? 'expired'
      : error.code === 'ERR_JWS_KEY_NOT_FOUND'
        ? 'unknown_key'
        : 'invalid_token';

  /** The token's payload, or the refusal (refetching the keys once for an unknown kid). */
  const verify = async (
    token: string,
  ): Promise<{ payload: JwtPayload; refusal?: never } | { refusal: Refusal }> => {
    try {
      return { payload: verifier.verify(token).payload };
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      if (
        error.code !== 'ERR_JWS_KEY_NOT_FOUND' ||
        clock.nowMs() - lastKeyFetchMs < refetchIntervalMs
      )
        return { refusal: invalid(reasonOf(error)) };
    }
    try {
      await keys.run();
    } catch (error) {
      // A key rotated in while the issuer is down: the token may be genuine, so 503, not 401.
      return { refusal: issuerDown(error) };
    }
    try {
      return { payload: verifier.verify(token).payload };
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      return { refusal: invalid(reasonOf(error)) };
    }
  };

  const dpopRequired = options.dpop === 'required';
  const dpopVerifier = createDpopVerifier({
    replay: options.dpopReplayCache ?? createMemoryReplayCache({ clock }),
    clock,
  });
  const dpopChallenge = `DPoP algs="${dpopVerifier.algorithms.join(' ')}"`;
  const publicBase = options.publicUrl === undefined ? null : new URL(options.publicUrl).origin;

  /** A 401 for the DPoP scheme (RFC 9449 section 7.1): the DPoP challenge with its error. */
  const refuseDpop = (
    reason: GuardRefusalReason,
    error: 'invalid_token' | 'invalid_dpop_proof',
    description: string,
  ): Refusal => ({
    ok: false,
    status: 401,
    reason,
    headers: {
      'www-authenticate': `${dpopChallenge}, error="${error}", error_description="${description}"`,
    },
    body: { error, error_description: description },
  });

  /** The URL a proof for this request must name: the public base and the request's path. */
  const htuOf = (url: string | undefined): string | null => {
    if (url === undefined || publicBase === null) return null;
    try {
      return `${publicBase}${new URL(url).pathname}`;
    } catch {
      return null;
    }
  };

  /**
   * Proof of possession (RFC 9449): with the `DPoP` scheme the token must be bound (`cnf.jkt`)
   * and the proof in `request.dpop` must be of that key, for `request.method` and the request's
   * URL, carry `ath` of this token, and be used once. A bound token sent as Bearer is refused
   * (section 7.1), and so is any Bearer token with `dpop: 'required'`.
   */
  const checkPossession = async (
    claims: GatehouseClaims,
    token: string,
    scheme: 'bearer' | 'dpop',
    request: GuardRequest,
  ): Promise<Refusal | null> => {
    const jkt = (claims.cnf as { jkt?: unknown } | undefined)?.jkt;
    if (scheme === 'bearer')
      return claims.cnf === undefined && !dpopRequired
        ? null
        : refuseDpop(
            'dpop_required',
            'invalid_token',
            'This access token must be sent as Authorization: DPoP with a proof.',
          );
    if (typeof jkt !== 'string')
      return refuseDpop('dpop_invalid', 'invalid_token', 'The access token is not bound to a key.');
    if (publicBase === null)
      return refuseDpop(
        'dpop_invalid',
        'invalid_dpop_proof',
        'DPoP is not accepted here: the API publicUrl must be configured.',
      );
    const url = htuOf(request.url);
    if (url === null || normaliseHtu(url) === null || request.method === undefined)
      return refuseDpop('dpop_invalid', 'invalid_dpop_proof', 'The DPoP proof is invalid.');
    try {
      await dpopVerifier.verify({
        proof: request.dpop,
        method: request.method,
        url,
        accessToken: token,
        boundJkt: jkt,
      });
      return null;
    } catch (error) {
      if (!(error instanceof AuthError)) throw error;
      if (error.code === 'ERR_DPOP_REPLAY_CACHE_FULL')
        return unavailable('dpop_replay_cache_full', 'Too many DPoP proofs at once.', 1000);
      return refuseDpop('dpop_invalid', 'invalid_dpop_proof', 'The DPoP proof is invalid.');
    }
  };

  return {
    async check(input) {
      const request: GuardRequest =
        typeof input === 'object' && input !== null ? input : { authorization: input };
      const credentials = parseAuthorization(request.authorization);
      if (credentials.kind === 'none')
        return refuse(401, 'no_token', 'invalid_request', 'No access token.', false);
      if (credentials.kind === 'malformed')
        return refuse(
          401,
          'malformed_header',
          'invalid_request',
          'Send the access token as Authorization: Bearer.',
        );
      const scheme = credentials.scheme;
      if (scheme !== 'bearer' && scheme !== 'dpop')
        return refuse(
          401,
          'wrong_scheme',
          'invalid_request',
          'Send the access token as Authorization: Bearer or DPoP.',
        );
      const result = await checkToken(credentials.value, scheme, request);
      // RFC 9449 section 7.1: a request under the DPoP scheme is answered with a DPoP challenge.
      if (result.ok || scheme !== 'dpop' || result.status === 503) return result;
      const challenge = result.headers['www-authenticate'];
      if (challenge === undefined || challenge.startsWith('DPoP')) return result;
      const scope = / scope="[^"]*"$/.exec(challenge)?.[0] ?? '';
      return {
        ...result,
        headers: {
          ...result.headers,
          'www-authenticate': `${dpopChallenge}, error="${result.body.error}", error_description="${result.body.error_description}"${scope === '' ? '' : `,${scope}`}`,
        },
      };
    },
    close() {
      follower?.close();
    },
  };

  /** The checks of a token under a known scheme (the header is well formed). */
  async function checkToken(
    token: string,
    scheme: 'bearer' | 'dpop',
    request: GuardRequest,
  ): Promise<GuardResult> {
    if (!loaded) {
      try {
        await keys.run();
      } catch (error) {
        return issuerDown(error);
      }
    }
    const verified = await verify(token);
    if (verified.refusal !== undefined) return verified.refusal;
    // The verifier checks that sid and client_id are present, not their type; handlers get
    // GatehouseClaims, so a payload that does not fit it is refused rather than mistyped.
    const claims = accessClaimsOf(verified.payload);
    if (claims === null) return invalid('invalid_token');
    const possession = await checkPossession(claims, token, scheme, request);
    if (possession !== null) return possession;
    if (follower !== null) {
      const state = await follower.stateOf(claims.sid);
      if (state === 'revoked') return invalid('revoked');
      // The issuer's own age bound: entries last the current access-token lifetime, so a token
      // issued under a longer one (before a restart) is refused by age, as at the issuer.
      const maxAge = follower.maxTokenAgeSeconds();
      if (maxAge !== null && clock.nowMs() > (claims.iat + maxAge + toleranceSeconds) * 1000)
        return invalid('expired');
      if (state === 'stale' && options.whenRevocationsStale !== 'accept')
        return unavailable(
          'revocations_stale',
          "The issuer's revocation list cannot be read.",
          follower.retryInMs(),
        );
    }
    if (requiredScopes.length > 0) {
      const granted = new Set(claims.scope === undefined ? [] : claims.scope.split(' '));
      if (requiredScopes.some((s) => !granted.has(s))) {
        const description = 'The access token lacks a required scope.';
        return {
          ...refuse(403, 'insufficient_scope', 'insufficient_scope', description),
          headers: {
            'www-authenticate': `${challenge('insufficient_scope', description)}, scope="${requiredScopes.join(' ')}"`,
          },
        };
      }
    }
    return { ok: true, claims };
  }
}

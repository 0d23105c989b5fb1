/**
 * The one access-token profile (RFC 9068 JWT access tokens), shared by the server that issues
 * them and the middleware that checks them: which claims a token carries, its `typ`, its
 * lifetime, and the verifier options that enforce all of that.
 */
import type { Clock } from '../core/index.js';
import type { JwtPayload, JwtVerifyOptions, KeyRing } from '../jwt/index.js';

/** RFC 9068 section 2.1: the media type of a JWT access token. */
export const ACCESS_TOKEN_TYP = 'at+jwt';

/**
 * Claims every Gatehouse access token carries besides `exp`, `iss` and `aud` (checked by value):
 * RFC 9068 section 2.2 asks for sub, client_id, iat and jti; `sid` ties the token to its login
 * session, so revoking the session revokes the token.
 */
export const ACCESS_TOKEN_CLAIMS = Object.freeze(['sub', 'sid', 'client_id', 'iat', 'jti']);

/**
 * The claims of a verified Gatehouse access token, as the middleware hands them to a handler.
 * `scope` is present only when the token was issued with scopes; any other claim an issuer adds is
 * `unknown` until the caller narrows it. The object is frozen (the verifier caches it).
 *
 * @example
 * const owner = (claims: GatehouseClaims) => claims.sub;
 */
export interface GatehouseClaims {
  readonly iss: string;
  readonly sub: string;
  /** A string from Gatehouse; RFC 9068 section 2.2 allows an array, and the verifier accepts one. */
  readonly aud: string | readonly string[];
  readonly exp: number;
  readonly iat: number;
  readonly jti: string;
  readonly client_id: string;
  readonly sid: string;
  /** Space-separated scope tokens (RFC 9068 section 2.2.3). */
  readonly scope?: string;
  /**
   * The confirmation of a DPoP-bound token (RFC 9449 section 6.1): the thumbprint of the key whose
   * proofs must come with it. Absent on Bearer tokens.
   */
  readonly cnf?: { readonly jkt: string };
  readonly [claim: string]: unknown;
}

export interface AccessTokenProfile {
  readonly issuer: string;
  /** The `aud` of the tokens: the APIs that accept them. */
  readonly audience: string;
  /** Lifetime of a new token; a token never outlives its session. */
  readonly ttlSeconds: number;
}

/** What an access token is about: its login session and the client it was issued to. */
export interface AccessGrant {
  readonly userId: string;
  readonly sessionId: string;
  /** The session's absolute end (ms): the token's `exp` never passes it. */
  readonly sessionExpiresAtMs: number;
  readonly clientId: string;
  /**
   * The RFC 7638 thumbprint of the DPoP key the token is bound to (`cnf.jkt`, RFC 9449 section
   * 6.1); absent or null: a Bearer token.
   */
  readonly dpopJkt?: string | null;
  /** The granted scopes (the `scope` claim, RFC 9068 section 2.2.3); absent or empty: no claim. */
  readonly scopes?: readonly string[];
  /**
   * Claims added by the server's custom-claims hook. They never replace a claim of the profile
   * (RESERVED_CLAIMS): those are set last, and a reserved name here is dropped.
   */
  readonly extraClaims?: Readonly<Record<string, unknown>>;
}

/**
 * Claims an access token's custom claims can never set: the profile's own, and the JWT and
 * OAuth names whose meaning a verifier relies on.
 */
export const RESERVED_CLAIMS: ReadonlySet<string> = new Set([
  'iss',
  'sub',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'client_id',
  'sid',
  'scope',
  'cnf',
  'auth_time',
  'acr',
  'amr',
  'azp',
  'nonce',
  'at_hash',
]);

/** The custom claims that may go into a token: reserved names dropped. */
function customClaims(extra: Readonly<Record<string, unknown>> | undefined): JwtPayload {
  const out: JwtPayload = {};
  if (extra === undefined) return out;
  for (const [name, value] of Object.entries(extra))
    if (!RESERVED_CLAIMS.has(name) && value !== undefined)
      (out as Record<string, unknown>)[name] = value;
  return out;
}

/**
 * The claims of a new access token issued at `iatSeconds`.
 *
 * @example
 * const payload = accessTokenClaims(profile, grant, 1_700_000_000, jti);
 */
export function accessTokenClaims(
  profile: AccessTokenProfile,
  grant: AccessGrant,
  iatSeconds: number,
  jti: string,
): JwtPayload {
  const exp = Math.min(
    iatSeconds + profile.ttlSeconds,
    Math.floor(grant.sessionExpiresAtMs / 1000),
  );
  return {
    ...customClaims(grant.extraClaims),
    iss: profile.issuer,
    sub: grant.userId,
    aud: profile.audience,
    exp,
    iat: iatSeconds,
    jti,
    client_id: grant.clientId,
    sid: grant.sessionId,
    ...(grant.scopes === undefined || grant.scopes.length === 0
      ? {}
      : { scope: grant.scopes.join(' ') }),
    ...(grant.dpopJkt === undefined || grant.dpopJkt === null
      ? {}
      : { cnf: { jkt: grant.dpopJkt } }),
  };
}

/**
 * The DPoP key a verified token is bound to: its `cnf.jkt`; null when it has no `cnf` at all (a
 * Bearer token); undefined when it has a `cnf` we cannot honour (not an object, or no string
 * `jkt`: RFC 7800 section 3.1 lets a recipient refuse a confirmation method it does not
 * understand, and we do, whichever scheme it came with).
 *
 * @example
 * const jkt = boundKeyOf(claims); // 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' | null | undefined
 */
export function boundKeyOf(payload: JwtPayload): string | null | undefined {
  const cnf = payload.cnf;
  if (cnf === undefined) return null;
  if (typeof cnf !== 'object' || cnf === null || Array.isArray(cnf)) return undefined;
  const jkt = (cnf as { jkt?: unknown }).jkt;
  return typeof jkt === 'string' && jkt.length > 0 ? jkt : undefined;
}

export interface AccessVerifierOptions {
  readonly keys: KeyRing;
  readonly issuer: string;
  readonly audience: string;
  readonly clock: Clock;
  /**
   * The longest lifetime a genuine token can have. A token whose `iat` is older is refused even
   * when its `exp` says otherwise: after a restart with a shorter lifetime, tokens issued under
   * the longer one stop at the new bound, which is also how long revocations are remembered.
   */
  readonly maxTokenAgeSeconds?: number;
  readonly clockToleranceSeconds?: number;
  /** Every check but `exp` (the old access token sent along with a refresh). */
  readonly ignoreExpiration?: boolean;
  readonly cacheSize?: number;
}

/** Verifier options that enforce the access-token profile. */
export function accessVerifierOptions(options: AccessVerifierOptions): JwtVerifyOptions {
  return {
    keys: options.keys,
    issuer: options.issuer,
    audience: options.audience,
    typ: ACCESS_TOKEN_TYP,
    requiredClaims: ACCESS_TOKEN_CLAIMS,
    clock: options.clock,
    ...(options.maxTokenAgeSeconds === undefined
      ? {}
      : { maxTokenAgeSeconds: options.maxTokenAgeSeconds }),
    ...(options.clockToleranceSeconds === undefined
      ? {}
      : { clockToleranceSeconds: options.clockToleranceSeconds }),
    ...(options.ignoreExpiration === true ? { ignoreExpiration: true } : {}),
    cacheSize: options.cacheSize ?? 10_000,
  };
}

const isString = (value: unknown): value is string => typeof value === 'string';

/**
 * The payload of a verified access token as `GatehouseClaims`, or null when a profile claim has
 * the wrong type. The verifier already checks `iss`, `sub`, `jti`, `aud`, `exp` and `iat` by type
 * and the presence of `sid` and `client_id`; this adds the types it does not check (`sid`,
 * `client_id`, `scope`), so that the type the middleware exposes is never a guess.
 *
 * @example
 * const claims = accessClaimsOf(verifier.verify(token).payload);
 * if (claims === null) refuse();
 */
export function accessClaimsOf(payload: JwtPayload): GatehouseClaims | null {
  const { iss, sub, aud, exp, iat, jti, client_id, sid, scope } = payload;
  const audOk = isString(aud) || (Array.isArray(aud) && aud.every(isString));
  if (
    !isString(iss) ||
    !isString(sub) ||
    !audOk ||
    typeof exp !== 'number' ||
    typeof iat !== 'number' ||
    !isString(jti) ||
    !isString(client_id) ||
    !isString(sid) ||
    (scope !== undefined && !isString(scope)) ||
    (payload.cnf !== undefined && !isString(boundKeyOf(payload)))
  ) {
    return null;
  }
  return payload as GatehouseClaims;
}

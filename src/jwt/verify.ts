/**
 * JWT verification: the compact JWS first, then the claims. Options are validated once by
 * `createJwtVerifier`; the returned `verify` is the hot path.
 */
import { AuthError, type Clock, deepFreeze, parseJsonObject, systemClock } from '../core/index.js';
import { type ClaimsConfig, checkClaims, type JwtPayload, normaliseTyp } from './claims.js';
import {
  collectJwsConfig,
  decodeSegmentText,
  type JwsHeader,
  type JwsVerifyConfig,
  type JwsVerifyOptions,
  type VerifiedJws,
  verifyCompactJws,
} from './jws.js';
import type { JwtKey } from './key-types.js';
import { createVerifiedTokenCache } from './verified-cache.js';

export interface JwtVerifyOptions extends JwsVerifyOptions {
  /** Accepted `iss` value(s); unchecked when absent. */
  readonly issuer?: string | readonly string[];
  /** Accepted audience(s): the token's `aud` must contain one of them. */
  readonly audience?: string | readonly string[];
  /** Required `sub`. */
  readonly subject?: string;
  /** Required header `typ`, e.g. `at+jwt` for RFC 9068 access tokens. */
  readonly typ?: string;
  /** `exp` must be present (default true). Opting out is for tokens that truly never expire. */
  readonly requireExpiration?: boolean;
  /**
   * Skip the `exp` comparison only: for a refresh request that carries the expired access token
   * to prove it belongs to the same session. Everything else is checked. Default false.
   */
  readonly ignoreExpiration?: boolean;
  /** Further claims that must be present. */
  readonly requiredClaims?: readonly string[];
  /** Maximum age in seconds since `iat` (which then becomes required). */
  readonly maxTokenAgeSeconds?: number;
  /** Allowed clock skew in seconds for exp, nbf, iat (default 0). */
  readonly clockToleranceSeconds?: number;
  /** Injected clock; the system clock by default. */
  readonly clock?: Clock;
  /**
   * Remember up to this many verified tokens (default 0: off). A hit skips decoding and the
   * signature check but re-runs every claim check; a key ring change invalidates all entries.
   * Verified results are frozen when the cache is on.
   */
  readonly cacheSize?: number;
}

export interface JwtVerifyConfig {
  readonly jws: JwsVerifyConfig;
  readonly claims: ClaimsConfig;
  readonly clock: Clock;
  readonly cacheSize: number;
}

export interface VerifiedJwt {
  readonly header: JwsHeader;
  readonly payload: JwtPayload;
  readonly key: JwtKey;
}

export interface JwtVerifier {
  /**
   * Verifies a token and returns its header, claims and the key that verified it.
   * @throws AuthError with the codes listed in docs/errors.md (ERR_JWT_*, ERR_JWS_*)
   */
  verify(token: unknown): VerifiedJwt;
  readonly config: JwtVerifyConfig;
}

export interface JwsVerifier {
  /** Verifies a compact JWS (any payload). @throws AuthError ERR_JWT_*, ERR_JWS_* */
  verify(token: unknown): VerifiedJws;
}

const MAX_PAYLOAD_DEPTH = 16;

function configError(problems: readonly string[]): AuthError {
  return new AuthError('ERR_CONFIG_INVALID', `invalid verifier options: ${problems.join('; ')}`, {
    problems,
  });
}

function stringSet(value: unknown, name: string, problems: string[]): Set<string> | null {
  if (value === undefined) return null;
  const list = typeof value === 'string' ? [value] : value;
  if (
    !Array.isArray(list) ||
    list.length === 0 ||
    !list.every((v) => typeof v === 'string' && v.length > 0)
  ) {
    problems.push(`${name} must be a non-empty string or a non-empty list of them`);
    return null;
  }
  return new Set(list);
}

function nonNegative(value: unknown, name: string, problems: string[]): number | null {
  if (value === undefined) return null;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    problems.push(`${name} must be a finite number >= 0`);
    return null;
  }
  return value;
}

/**
 * Validates verifier options once, listing every problem.
 *
 * @throws AuthError ERR_CONFIG_INVALID
 */
export function createJwtVerifyConfig(options: JwtVerifyOptions): JwtVerifyConfig {
  const problems: string[] = [];
  const jws = collectJwsConfig(options, problems);
  if (
    options.subject !== undefined &&
    (typeof options.subject !== 'string' || options.subject === '')
  ) {
    problems.push('subject must be a non-empty string');
  }
  if (options.typ !== undefined && (typeof options.typ !== 'string' || options.typ === '')) {
    problems.push('typ must be a non-empty string');
  }
  if (options.requireExpiration !== undefined && typeof options.requireExpiration !== 'boolean') {
    problems.push('requireExpiration must be a boolean');
  }
  const requiredClaims = options.requiredClaims ?? [];
  if (!Array.isArray(requiredClaims) || !requiredClaims.every((c) => typeof c === 'string')) {
    problems.push('requiredClaims must be a list of claim names');
  }
  const clock = options.clock ?? systemClock;
  if (typeof clock?.nowMs !== 'function') problems.push('clock must have a nowMs() function');
  const claims: ClaimsConfig = Object.freeze({
    issuers: stringSet(options.issuer, 'issuer', problems),
    audiences: stringSet(options.audience, 'audience', problems),
    subject: typeof options.subject === 'string' ? options.subject : null,
    typ: typeof options.typ === 'string' ? normaliseTyp(options.typ) : null,
    requireExpiration: options.requireExpiration !== false,
    ignoreExpiration: options.ignoreExpiration === true,
    requiredClaims: Object.freeze([...requiredClaims]),
    maxTokenAgeSeconds: nonNegative(options.maxTokenAgeSeconds, 'maxTokenAgeSeconds', problems),
    clockToleranceSeconds:
      nonNegative(options.clockToleranceSeconds, 'clockToleranceSeconds', problems) ?? 0,
  });
  const cacheSize = options.cacheSize ?? 0;
  if (!Number.isInteger(cacheSize) || cacheSize < 0 || cacheSize > 1_000_000) {
    problems.push('cacheSize must be an integer from 0 to 1000000');
  }
  if (problems.length > 0) throw configError(problems);
  return Object.freeze({ jws, claims, clock, cacheSize });
}

/** Decodes and parses a signed payload segment as a JWT claims set. @throws AuthError ERR_JWT_MALFORMED */
export function parsePayload(payloadSegment: string): JwtPayload {
  const text = decodeSegmentText(payloadSegment);
  if (text === null)
    throw new AuthError('ERR_JWT_MALFORMED', 'malformed token: payload is not UTF-8', {
      reason: 'payload utf8',
    });
  const parsed = parseJsonObject(text, MAX_PAYLOAD_DEPTH);
  if (!parsed.ok) {
    throw new AuthError('ERR_JWT_MALFORMED', `malformed token: payload ${parsed.reason}`, {
      reason: `payload ${parsed.reason}`,
    });
  }
  return parsed.value as JwtPayload;
}

/**
 * Creates a JWT verifier: options checked once, `verify` synchronous.
 *
 * @throws AuthError ERR_CONFIG_INVALID for bad options
 * @example
 * const verifier = createJwtVerifier({ keys: ring, issuer: 'https://auth.example', audience: 'api', typ: 'at+jwt' });
 * const { payload } = verifier.verify(token);
 */
export function createJwtVerifier(options: JwtVerifyOptions): JwtVerifier {
  const config = createJwtVerifyConfig(options);
  const { jws, claims, clock } = config;
  const cache =
    config.cacheSize > 0 ? createVerifiedTokenCache<VerifiedJwt>(config.cacheSize) : null;
  const verifyFully = (token: unknown): VerifiedJwt => {
    const verified = verifyCompactJws(jws, token);
    const payload = parsePayload(verified.payloadSegment);
    checkClaims(verified.header, payload, claims, clock.nowMs());
    return { header: verified.header, payload, key: verified.key };
  };
  if (cache === null) return Object.freeze({ config, verify: verifyFully });
  return Object.freeze({
    config,
    verify(token: unknown): VerifiedJwt {
      if (typeof token !== 'string') return verifyFully(token);
      const generation = jws.ring.generation;
      const hit = cache.get(token, generation);
      if (hit !== undefined) {
        try {
          checkClaims(hit.header, hit.payload, claims, clock.nowMs());
        } catch (error) {
          cache.delete(token);
          throw error;
        }
        return hit;
      }
      const result = verifyFully(token);
      const frozen = Object.freeze({
        header: result.header,
        payload: deepFreeze(result.payload),
        key: result.key,
      });
      cache.set(token, generation, frozen);
      return frozen;
    },
  });
}

/**
 * Creates a verifier of compact JWS with arbitrary payloads (no claim checks).
 *
 * @throws AuthError ERR_CONFIG_INVALID for bad options
 */
export function createJwsVerifier(options: JwsVerifyOptions): JwsVerifier {
  const problems: string[] = [];
  const config = collectJwsConfig(options, problems);
  if (problems.length > 0) throw configError(problems);
  return Object.freeze({ verify: (token: unknown) => verifyCompactJws(config, token) });
}

/**
 * One-shot verification. Validates the options on every call; build a verifier with
 * `createJwtVerifier` for repeated use.
 *
 * @throws AuthError as createJwtVerifier and JwtVerifier.verify
 */
export function verifyJwt(token: unknown, options: JwtVerifyOptions): VerifiedJwt {
  return createJwtVerifier(options).verify(token);
}

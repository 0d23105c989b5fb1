/**
 * Compact JWS verification (RFC 7515 section 7.1), strict, synchronous, on node:crypto.
 *
 * Order of checks, each failing with its own code: size (before any decoding), shape (exactly
 * three segments of canonical base64url), header (a JSON object with unique members), algorithm
 * (from the configured keys, never from the token), header parameters (`b64`, `crit`, `kid`),
 * key lookup (by `kid` in the configured set only), signature. The payload is returned as bytes;
 * `verify.ts` turns it into claims only after the signature holds.
 */
import { isUtf8 } from 'node:buffer';
import {
  AuthError,
  deepFreeze,
  hasCanonicalBase64UrlEnd,
  type JsonObject,
  parseJsonObject,
} from '../core/index.js';
import { checkSignature, isJwsAlgorithm, JWS_ALGORITHMS, type JwsAlgorithm } from './algorithms.js';
import { getKeyMaterial, isJwtKey } from './key-handle.js';
import { createKeyRing, type KeyRing } from './key-ring.js';
import type { JwtKey } from './key-types.js';

/** The protected header of a verified token. */
export interface JwsHeader extends JsonObject {
  readonly alg: JwsAlgorithm;
  readonly kid?: string;
  readonly typ?: string;
}

export interface JwsVerifyOptions {
  /** The keys that may have signed: a ring, a list, or one key. Each key fixes its algorithm. */
  readonly keys: KeyRing | readonly JwtKey[] | JwtKey;
  /** Narrows the accepted algorithms further; by default every algorithm of a configured key. */
  readonly algorithms?: readonly JwsAlgorithm[];
  /** Tokens longer than this are refused before any decoding. Default 8192. */
  readonly maxTokenBytes?: number;
}

export interface JwsVerifyConfig {
  readonly ring: KeyRing;
  readonly algorithms: ReadonlySet<JwsAlgorithm> | null;
  readonly maxTokenBytes: number;
  /** Header segments already parsed by this verifier (see parseHeader). */
  readonly headerCache: Map<string, JsonObject>;
}

export interface VerifiedJws {
  readonly header: JwsHeader;
  /** The payload segment, still base64url; canonical and signed. */
  readonly payloadSegment: string;
  readonly key: JwtKey;
}

export const DEFAULT_MAX_TOKEN_BYTES = 8192;
const MAX_HEADER_DEPTH = 4;

/** Validates JWS options once; returns a frozen config and the list of problems found. */
export function collectJwsConfig(options: JwsVerifyOptions, problems: string[]): JwsVerifyConfig {
  let ring: KeyRing = createKeyRing();
  const keys = options.keys as unknown;
  if (isJwtKey(keys)) ring = createKeyRing({ verificationKeys: [keys] });
  else if (Array.isArray(keys)) {
    if (keys.length === 0 || !keys.every(isJwtKey))
      problems.push('keys must hold at least one imported key');
    else {
      try {
        ring = createKeyRing({ verificationKeys: keys });
      } catch (error) {
        problems.push(error instanceof AuthError ? error.message : 'keys are invalid');
      }
    }
  } else if (
    typeof keys === 'object' &&
    keys !== null &&
    typeof (keys as KeyRing).soleKeyFor === 'function'
  ) {
    ring = keys as KeyRing;
  } else problems.push('keys must be a key ring, a list of keys or a key');

  let algorithms: Set<JwsAlgorithm> | null = null;
  if (options.algorithms !== undefined) {
    if (!Array.isArray(options.algorithms) || options.algorithms.length === 0) {
      problems.push('algorithms must be a non-empty list');
    } else {
      for (const alg of options.algorithms) {
        if (!isJwsAlgorithm(alg))
          problems.push(
            `algorithms: unsupported "${String(alg)}" (supported: ${JWS_ALGORITHMS.join(', ')})`,
          );
      }
      algorithms = new Set(options.algorithms);
    }
  }
  const maxTokenBytes = options.maxTokenBytes ?? DEFAULT_MAX_TOKEN_BYTES;
  if (!Number.isInteger(maxTokenBytes) || maxTokenBytes < 64)
    problems.push('maxTokenBytes must be an integer of at least 64');
  return Object.freeze({
    ring,
    algorithms,
    maxTokenBytes,
    headerCache: new Map<string, JsonObject>(),
  });
}

function malformed(reason: string): AuthError {
  return new AuthError('ERR_JWT_MALFORMED', `malformed token: ${reason}`, { reason });
}

function headerInvalid(parameter: string): AuthError {
  return new AuthError(
    'ERR_JWS_HEADER_INVALID',
    `header parameter ${parameter} is invalid or not accepted`,
    {
      parameter,
    },
  );
}

/** Decodes a canonical base64url segment to UTF-8 text; null if the bytes are not UTF-8. */
export function decodeSegmentText(segment: string): string | null {
  const bytes = Buffer.from(segment, 'base64url');
  return isUtf8(bytes) ? bytes.toString('utf8') : null;
}

/**
 * Verifies a compact JWS against a validated config.
 *
 * @throws AuthError ERR_JWT_TOO_LARGE, ERR_JWT_MALFORMED, ERR_JWS_ALG_NOT_ALLOWED,
 *   ERR_JWS_HEADER_INVALID, ERR_JWS_CRIT_UNSUPPORTED, ERR_JWS_KEY_NOT_FOUND, ERR_JWS_SIGNATURE_INVALID
 */
export function verifyCompactJws(config: JwsVerifyConfig, token: unknown): VerifiedJws {
  if (typeof token !== 'string') throw malformed('not a string');
  if (token.length > config.maxTokenBytes) {
    throw new AuthError('ERR_JWT_TOO_LARGE', 'token exceeds the size limit', {
      limit: config.maxTokenBytes,
    });
  }
  const firstDot = token.indexOf('.');
  const secondDot = firstDot === -1 ? -1 : token.indexOf('.', firstDot + 1);
  if (secondDot === -1 || token.indexOf('.', secondDot + 1) !== -1)
    throw malformed('not three segments');
  const headerSegment = token.slice(0, firstDot);
  const payloadSegment = token.slice(firstDot + 1, secondDot);
  const signatureSegment = token.slice(secondDot + 1);
  if (headerSegment.length === 0 || signatureSegment.length === 0) throw malformed('empty segment');
  // One regex pass for the alphabet, then the per-segment length and unused-bit rules.
  if (
    !COMPACT_ALPHABET.test(token) ||
    !hasCanonicalBase64UrlEnd(headerSegment) ||
    !hasCanonicalBase64UrlEnd(payloadSegment) ||
    !hasCanonicalBase64UrlEnd(signatureSegment)
  ) {
    throw malformed('not canonical base64url');
  }

  const header = parseHeader(config, headerSegment);
  const alg = header.alg;
  // RFC 8725 section 3.1: the algorithm set comes from our keys and options; `none` is in neither.
  if (
    !isJwsAlgorithm(alg) ||
    !config.ring.algorithms().has(alg) ||
    (config.algorithms !== null && !config.algorithms.has(alg))
  ) {
    throw new AuthError('ERR_JWS_ALG_NOT_ALLOWED', 'token algorithm is not allowed');
  }
  // RFC 7797: we never verify unencoded payloads, with or without `crit`.
  if (header.b64 !== undefined) throw headerInvalid('b64');
  if (header.crit !== undefined) {
    const crit = header.crit;
    if (
      !Array.isArray(crit) ||
      crit.length === 0 ||
      !crit.every((name) => typeof name === 'string')
    ) {
      throw headerInvalid('crit');
    }
    // RFC 7515 section 4.1.11: we understand no extension parameter, so any listed one is fatal.
    throw new AuthError(
      'ERR_JWS_CRIT_UNSUPPORTED',
      'token requires header parameters we do not understand',
    );
  }
  const kid = header.kid;
  if (kid !== undefined && typeof kid !== 'string') throw headerInvalid('kid');
  if (header.typ !== undefined && typeof header.typ !== 'string') throw headerInvalid('typ');

  // `kid` is only ever a map lookup; `jwk`, `jku`, `x5u` and `x5c` are never read (RFC 8725 3.10).
  const key = kid === undefined ? config.ring.soleKeyFor(alg) : config.ring.get(kid);
  if (key === undefined)
    throw new AuthError('ERR_JWS_KEY_NOT_FOUND', 'no configured key matches the token');
  if (key.alg !== alg)
    throw new AuthError('ERR_JWS_ALG_NOT_ALLOWED', 'token algorithm does not match its key');

  const material = getKeyMaterial(key);
  if (!checkSignature(material, token.slice(0, secondDot), signatureSegment)) {
    throw new AuthError('ERR_JWS_SIGNATURE_INVALID', 'signature verification failed');
  }
  return { header: header as JwsHeader, payloadSegment, key };
}

const HEADER_CACHE_SIZE = 64;

/**
 * Parses a header segment, through the verifier's cache: parsing is a pure function of the text,
 * and the cached header is frozen, so a hit is exactly as strict as a miss.
 */
function parseHeader(config: JwsVerifyConfig, segment: string): JsonObject {
  const cache = config.headerCache;
  const cached = cache.get(segment);
  if (cached !== undefined) return cached;
  const text = decodeSegmentText(segment);
  if (text === null) throw malformed('header is not UTF-8');
  const parsed = parseJsonObject(text, MAX_HEADER_DEPTH);
  if (!parsed.ok) throw malformed(`header ${parsed.reason}`);
  const header = deepFreeze(parsed.value);
  // Tokens of one issuer share a handful of headers; a full cache starts over rather than grow.
  if (cache.size >= HEADER_CACHE_SIZE) cache.clear();
  cache.set(segment, header);
  return header;
}

/** Base64url characters and exactly the two dots (already counted) of a compact JWS. */
const COMPACT_ALPHABET = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+$/;

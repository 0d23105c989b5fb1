/**
 * JWT signing: `base64url(header).base64url(payload).base64url(signature)` (RFC 7515 section 7.1).
 * The header always carries `alg` and `kid` from the key (and `typ` when asked); a caller cannot
 * set `alg` or add `jwk`/`jku`/`x5u`/`crit`.
 */
import {
  AuthError,
  type Clock,
  encodeBase64Url,
  systemClock,
  systemRandom,
} from '../core/index.js';
import { computeSignature } from './algorithms.js';
import type { JwtPayload } from './claims.js';
import { getKeyMaterial } from './key-handle.js';
import type { KeyRing } from './key-ring.js';
import type { JwtKey } from './key-types.js';

export interface SignJwtOptions {
  /** Header `typ`, e.g. `at+jwt` (RFC 9068) or `JWT`. */
  readonly typ?: string;
}

function signingError(message: string): AuthError {
  return new AuthError('ERR_KEY_INVALID', message);
}

const headerCache = new WeakMap<JwtKey, Map<string, string>>();

function encodedHeader(key: JwtKey, typ: string | undefined): string {
  let byTyp = headerCache.get(key);
  if (byTyp === undefined) {
    byTyp = new Map();
    headerCache.set(key, byTyp);
  }
  const cacheKey = typ ?? '';
  let encoded = byTyp.get(cacheKey);
  if (encoded === undefined) {
    const header =
      typ === undefined ? { alg: key.alg, kid: key.kid } : { alg: key.alg, typ, kid: key.kid };
    encoded = Buffer.from(JSON.stringify(header)).toString('base64url');
    byTyp.set(cacheKey, encoded);
  }
  return encoded;
}

/**
 * Signs raw payload bytes as a compact JWS.
 *
 * @throws AuthError ERR_KEY_INVALID when the key cannot sign (a public key)
 */
export function signJws(payload: Uint8Array, key: JwtKey, options: SignJwtOptions = {}): string {
  const material = getKeyMaterial(key);
  if (material.signingKey === null) throw signingError('a public key cannot sign');
  const signingInput = `${encodedHeader(key, options.typ)}.${Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength).toString('base64url')}`;
  const signature = computeSignature(material, signingInput);
  return `${signingInput}.${signature.toString('base64url')}`;
}

/**
 * Signs a claims set as a JWT. Numeric dates must be finite numbers.
 *
 * @throws AuthError ERR_KEY_INVALID when the key cannot sign; ERR_CONFIG_INVALID for a payload
 *   that is not a plain object or has non-finite numeric dates
 * @example
 * const token = signJwt({ sub: 'user-1', exp: Math.floor(Date.now() / 1000) + 3600 }, key, { typ: 'at+jwt' });
 */
export function signJwt(payload: JwtPayload, key: JwtKey, options: SignJwtOptions = {}): string {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AuthError('ERR_CONFIG_INVALID', 'a JWT payload must be an object');
  }
  for (const claim of ['exp', 'nbf', 'iat'] as const) {
    const value = payload[claim];
    if (value !== undefined && (typeof value !== 'number' || !Number.isFinite(value))) {
      throw new AuthError('ERR_CONFIG_INVALID', `claim ${claim} must be a finite number`, {
        claim,
      });
    }
  }
  return signJws(Buffer.from(JSON.stringify(payload), 'utf8'), key, options);
}

export interface JwtSignerOptions {
  /** The key, or a ring whose current signing key is used at each call. */
  readonly key: JwtKey | KeyRing;
  readonly issuer?: string;
  readonly audience?: string | readonly string[];
  /** Lifetime: `exp = iat + ttlSeconds`. */
  readonly ttlSeconds: number;
  readonly typ?: string;
  /** Adds a random `jti` (128 bits) to every token. Default true. */
  readonly jti?: boolean;
  readonly clock?: Clock;
}

export interface JwtSigner {
  /** Signs `claims` with `iat`, `exp`, and the configured `iss`, `aud` and `jti` filled in. */
  sign(claims?: JwtPayload): string;
}

/**
 * Creates a signer that fills in the registered claims.
 *
 * @throws AuthError ERR_CONFIG_INVALID for bad options
 * @example
 * const signer = createJwtSigner({ key: ring, issuer: 'https://auth.example', audience: 'api', ttlSeconds: 3600, typ: 'at+jwt' });
 */
export function createJwtSigner(options: JwtSignerOptions): JwtSigner {
  const problems: string[] = [];
  if (!Number.isInteger(options.ttlSeconds) || options.ttlSeconds <= 0)
    problems.push('ttlSeconds must be a positive integer');
  if (
    options.issuer !== undefined &&
    (typeof options.issuer !== 'string' || options.issuer === '')
  ) {
    problems.push('issuer must be a non-empty string');
  }
  if (problems.length > 0)
    throw new AuthError('ERR_CONFIG_INVALID', `invalid signer options: ${problems.join('; ')}`, {
      problems,
    });
  const clock = options.clock ?? systemClock;
  const source = options.key;
  const currentKey = (): JwtKey => {
    if ('signingKey' in source && typeof source.signingKey === 'function') {
      const key = source.signingKey();
      if (key === null)
        throw new AuthError('ERR_KEYRING_INVALID', 'the key ring has no signing key');
      return key;
    }
    return source as JwtKey;
  };
  const audience =
    options.audience === undefined
      ? undefined
      : typeof options.audience === 'string'
        ? options.audience
        : [...options.audience];
  const signOptions: SignJwtOptions = options.typ === undefined ? {} : { typ: options.typ };
  return Object.freeze({
    sign(claims: JwtPayload = {}): string {
      const iat = Math.floor(clock.nowMs() / 1000);
      const payload: JwtPayload = {};
      if (options.issuer !== undefined) payload.iss = options.issuer;
      if (audience !== undefined) payload.aud = audience;
      Object.assign(payload, claims);
      payload.iat = iat;
      payload.exp = iat + options.ttlSeconds;
      if (options.jti !== false && payload.jti === undefined)
        payload.jti = encodeBase64Url(systemRandom.bytes(16));
      return signJwt(payload, currentKey(), signOptions);
    },
  });
}

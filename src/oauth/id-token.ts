/**
 * ID tokens (OpenID Connect Core sections 2 and 3.1.3.6): who signed in, for which client, when,
 * in which session, and the hash of the access token issued with it. Deliberately small: the
 * payload is readable by anyone who holds the token, so profile claims (email) are served by
 * UserInfo to a holder of an access token with the `email` scope, not copied here.
 */
import { createHash } from 'node:crypto';
import { AuthError } from '../core/index.js';
import { type JwsAlgorithm, type JwtKey, signJwt } from '../jwt/index.js';

/** What one ID token says. */
export interface IdTokenGrant {
  readonly issuer: string;
  readonly clientId: string;
  readonly userId: string;
  /** The token session (`sid`): RP-initiated logout with this token as hint ends it. */
  readonly sessionId: string;
  readonly nonce: string | null;
  readonly authTimeMs: number;
  /** The access token issued with it, for `at_hash`. */
  readonly accessToken: string;
  readonly ttlSeconds: number;
}

/** The hash function of a JWS algorithm, for at_hash (OpenID Connect Core 3.1.3.6; EdDSA: SHA-512). */
const HASH_OF: Readonly<Record<string, string>> = {
  HS256: 'sha256',
  RS256: 'sha256',
  PS256: 'sha256',
  ES256: 'sha256',
  HS384: 'sha384',
  RS384: 'sha384',
  PS384: 'sha384',
  ES384: 'sha384',
  HS512: 'sha512',
  RS512: 'sha512',
  PS512: 'sha512',
  ES512: 'sha512',
  EdDSA: 'sha512',
  Ed25519: 'sha512',
};

/**
 * The left half of the hash of `value` for `alg`, base64url (at_hash, c_hash).
 *
 * @example tokenHash('jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y', 'RS256'); // '77QmUPtjPfzWtF2AnpK9RQ'
 */
export function tokenHash(value: string, alg: JwsAlgorithm): string {
  const hash = HASH_OF[alg];
  if (hash === undefined) throw new AuthError('ERR_KEY_UNSUPPORTED', `no hash for ${alg}`);
  const digest = createHash(hash).update(value, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

/**
 * True when the key can sign ID tokens a client can check: an asymmetric key, published in the
 * JWKS. An HS256 server secret cannot (OpenID Connect signs HMAC ID tokens with the client's
 * own secret, which public clients do not have).
 */
export const canSignIdTokens = (key: JwtKey | null): key is JwtKey =>
  key !== null && key.kind === 'private';

/**
 * Signs an ID token.
 *
 * @throws AuthError ERR_KEYRING_INVALID when the key cannot sign ID tokens (canSignIdTokens)
 * @example const idToken = signIdToken(grant, keyRing.signingKey(), clock.nowMs());
 */
export function signIdToken(grant: IdTokenGrant, key: JwtKey | null, nowMs: number): string {
  if (!canSignIdTokens(key))
    throw new AuthError('ERR_KEYRING_INVALID', 'ID tokens need an asymmetric signing key');
  const iat = Math.floor(nowMs / 1000);
  return signJwt(
    {
      iss: grant.issuer,
      sub: grant.userId,
      aud: grant.clientId,
      exp: iat + grant.ttlSeconds,
      iat,
      auth_time: Math.floor(grant.authTimeMs / 1000),
      ...(grant.nonce === null ? {} : { nonce: grant.nonce }),
      at_hash: tokenHash(grant.accessToken, key.alg),
      sid: grant.sessionId,
    },
    key,
    { typ: 'JWT' },
  );
}

/**
 * RFC 7638 JWK thumbprints: the default `kid` of every imported key.
 */
import { createHash, type KeyObject } from 'node:crypto';
import { AuthError, encodeBase64Url } from '../core/index.js';
import type { JwsAlgorithm } from './algorithms.js';
import type { Jwk } from './key-types.js';

const THUMBPRINT_MEMBERS: Record<string, readonly string[]> = {
  // RFC 7638 section 3.2: the required members, in lexicographic order.
  EC: ['crv', 'kty', 'x', 'y'],
  RSA: ['e', 'kty', 'n'],
  OKP: ['crv', 'kty', 'x'],
  oct: ['k', 'kty'],
};

/**
 * The RFC 7638 JWK thumbprint (SHA-256, base64url) of a JWK.
 *
 * @throws AuthError ERR_KEY_INVALID when a required member is missing.
 * @example
 * calculateJwkThumbprint({ kty: 'EC', crv: 'P-256', x, y })
 */
export function calculateJwkThumbprint(jwk: Jwk): string {
  // Object.hasOwn: a kty of "constructor" or "__proto__" must not reach Object.prototype.
  const members =
    typeof jwk.kty === 'string' && Object.hasOwn(THUMBPRINT_MEMBERS, jwk.kty)
      ? THUMBPRINT_MEMBERS[jwk.kty]
      : undefined;
  if (members === undefined) throw new AuthError('ERR_KEY_UNSUPPORTED', 'JWK kty is not supported');
  const required: Record<string, string> = {};
  for (const name of members) {
    const value = jwk[name];
    if (typeof value !== 'string')
      throw new AuthError('ERR_KEY_INVALID', `JWK member ${name} is missing`);
    required[name] = value;
  }
  // JSON.stringify keeps insertion order, which is the lexicographic order above, with no whitespace.
  return createHash('sha256').update(JSON.stringify(required)).digest('base64url');
}

/** The thumbprint of the public half (or the secret) of a node KeyObject: the default kid. */
export function thumbprintOf(verifyingKey: KeyObject, alg: JwsAlgorithm): string {
  if (verifyingKey.type === 'secret') {
    return calculateJwkThumbprint({ kty: 'oct', k: encodeBase64Url(verifyingKey.export()) });
  }
  const jwk = verifyingKey.export({ format: 'jwk' }) as Jwk;
  if (jwk.kty === undefined)
    throw new AuthError('ERR_KEY_UNSUPPORTED', `cannot compute a thumbprint for ${alg}`);
  return calculateJwkThumbprint(jwk);
}

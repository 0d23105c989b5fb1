/**
 * The signature check of a compact JWS with one key the caller already holds and trusts for the
 * purpose, for protocols that carry their key in the token (a DPoP proof's `jwk` header, RFC 9449
 * section 4.2). The caller picks the key and the algorithm; the key fixes the algorithm, so the
 * check cannot be talked into another one (RFC 8725 section 2.1).
 */
import { checkSignature } from './algorithms.js';
import { getKeyMaterial } from './key-handle.js';
import type { JwtKey } from './key-types.js';

/**
 * True when `signatureSegment` (canonical base64url) is a valid signature of `signingInput`
 * (`header.payload`, ASCII) with `key`, under the key's own algorithm. Never throws for a wrong
 * signature of any shape.
 *
 * @throws AuthError ERR_KEY_INVALID when `key` was not imported by @gatehouse/jwt
 * @example
 * const ok = checkJwsSignature(importJwk(jwk, { alg: 'ES256' }), `${h}.${p}`, s);
 */
export function checkJwsSignature(
  key: JwtKey,
  signingInput: string,
  signatureSegment: string,
): boolean {
  return checkSignature(getKeyMaterial(key), signingInput, signatureSegment);
}

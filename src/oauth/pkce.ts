/**
 * PKCE (RFC 7636) with S256 only: OAuth 2.1 section 4.1.1 and RFC 9700 section 2.1.1 make PKCE
 * required for every client and `plain` is refused, since it protects nothing once the request
 * is seen. The challenge is BASE64URL(SHA-256(verifier)) without padding: always 43 characters.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

/** RFC 7636 section 4.1: 43 to 128 unreserved characters. */
const VERIFIER = /^[A-Za-z0-9._~-]{43,128}$/;
/** A SHA-256 in unpadded base64url: 43 characters, the last of a 256-bit value's alphabet. */
const S256_CHALLENGE = /^[A-Za-z0-9_-]{42}[AEIMQUYcgkosw048]$/;

/** True when `value` can be an S256 code challenge (the shape of a SHA-256 in base64url). */
export const isS256Challenge = (value: string): boolean => S256_CHALLENGE.test(value);

/** True when `value` is a well-formed code verifier (RFC 7636 section 4.1). */
export const isCodeVerifier = (value: string): boolean => VERIFIER.test(value);

/** The S256 challenge of a verifier (RFC 7636 section 4.2). */
export const s256Challenge = (verifier: string): string =>
  createHash('sha256').update(verifier, 'ascii').digest('base64url');

/**
 * True when the verifier is well formed and its S256 challenge equals `challenge`, compared in
 * constant time.
 *
 * @example checkPkce('dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'); // true
 */
export function checkPkce(verifier: unknown, challenge: string): boolean {
  if (typeof verifier !== 'string' || !isCodeVerifier(verifier)) return false;
  const expected = Buffer.from(challenge, 'ascii');
  const actual = Buffer.from(s256Challenge(verifier), 'ascii');
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

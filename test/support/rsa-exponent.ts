/**
 * An RSA key pair with a public exponent of our choosing (node:crypto generates only small ones),
 * built from two primes, as a DpopTestKey: proofs it signs are valid, so a test sees whether the
 * key itself is refused. Test support only: never shipped.
 */
import { createPrivateKey, generatePrimeSync, randomBytes } from 'node:crypto';
import { type CryptoKey, calculateJwkThumbprint, type JWK } from 'jose';
import type { DpopTestKey } from './dpop.js';

const base64UrlOf = (value: bigint) => {
  const hex = value.toString(16);
  return Buffer.from(hex.length % 2 === 0 ? hex : `0${hex}`, 'hex').toString('base64url');
};

/** a^-1 mod m, or null when they share a factor (extended Euclid). */
function inverse(a: bigint, m: bigint): bigint | null {
  let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
  while (r1 !== 0n) {
    const quotient = r0 / r1;
    [r0, r1] = [r1, r0 - quotient * r1];
    [s0, s1] = [s1, s0 - quotient * s1];
  }
  return r0 === 1n ? ((s0 % m) + m) % m : null;
}

/** A random odd exponent of exactly `bits` bits. */
export function randomExponent(bits: number): bigint {
  const bytes = randomBytes(Math.ceil(bits / 8));
  const value = BigInt(`0x${bytes.toString('hex')}`) & ((1n << BigInt(bits)) - 1n);
  return value | (1n << BigInt(bits - 1)) | 1n;
}

/**
 * A 3072-bit RSA key whose public exponent is `exponent` (or, for a function, the first value it
 * gives that is coprime with phi(n)).
 */
export async function createRsaKeyWithExponent(
  alg: 'RS256' | 'PS256',
  exponent: () => bigint,
): Promise<DpopTestKey> {
  const p = generatePrimeSync(1536, { bigint: true });
  const q = generatePrimeSync(1536, { bigint: true });
  const phi = (p - 1n) * (q - 1n);
  let e = exponent();
  let d = inverse(e, phi);
  while (d === null) {
    e = exponent();
    d = inverse(e, phi);
  }
  const publicJwk: JWK = { kty: 'RSA', n: base64UrlOf(p * q), e: base64UrlOf(e) };
  const privateJwk: JWK = {
    ...publicJwk,
    d: base64UrlOf(d),
    p: base64UrlOf(p),
    q: base64UrlOf(q),
    dp: base64UrlOf(d % (p - 1n)),
    dq: base64UrlOf(d % (q - 1n)),
    qi: base64UrlOf(inverse(q, p) as bigint),
  };
  const privateKey = createPrivateKey({ key: privateJwk as never, format: 'jwk' });
  return {
    alg,
    // jose signs with a node KeyObject as well as with a CryptoKey.
    privateKey: privateKey as unknown as CryptoKey,
    publicJwk,
    privateJwk,
    jkt: await calculateJwkThumbprint(publicJwk),
  };
}

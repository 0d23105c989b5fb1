/**
 * The one maker of key handles: a key imported once, bound to exactly one algorithm, checked for
 * strength.
 *
 * A `JwtKey` is an opaque handle. Only `importKeyObject` can make one (the key material lives in
 * this module's private WeakMap; the importers of key-import.ts, jwk-import.ts and key-generate.ts,
 * and publicKeyOf, all end here), so a verifier can trust that every key it holds passed these
 * checks. A key never serves two algorithms, and no path builds an HMAC key out of anything that
 * parses as a public or private key: that is the algorithm-confusion attack (RFC 8725 section 2.1)
 * that the fast-jwt and jsonwebtoken advisories were about.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { AuthError } from '../core/index.js';
import { ALGORITHM_SPECS, isJwsAlgorithm, type JwsAlgorithm } from './algorithms.js';
import { createHmacKernel } from './hmac.js';
import { hasRocaFingerprint, looksLikeKeyMaterial } from './key-checks.js';
import type { ImportKeyOptions, JwtKey, JwtKeyKind, KeyMaterial } from './key-types.js';
import { thumbprintOf } from './thumbprint.js';

const materials = new WeakMap<JwtKey, KeyMaterial>();

/** The smallest RSA modulus we import or generate (RFC 7518 section 3.3 and 3.5). */
export const MIN_RSA_BITS = 2048;
const MIN_RSA_EXPONENT = 65537n;
/**
 * The largest RSA public exponent we import: 2^32 - 1. A verifier's cost grows with the exponent's
 * length, and a DPoP proof or a fetched JWKS brings a key anyone chose: a 3064-bit exponent makes
 * each check ~13 ms. Real keys use 65537 (OpenSSL's and jose's default; Chromium's WebCrypto
 * generates only 3 or 65537); Go refuses exponents above 2^31 - 1 and BoringSSL above 33 bits, so
 * no key that works elsewhere is lost.
 */
const MAX_RSA_EXPONENT = 2n ** 32n - 1n;
const MAX_KID_LENGTH = 256;

/** node:crypto's names for the JOSE curves (RFC 7518 section 6.2.1.1). */
export const NODE_CURVE: Record<string, string> = {
  'P-256': 'prime256v1',
  'P-384': 'secp384r1',
  'P-521': 'secp521r1',
};

/** The ERR_KEY_INVALID error of the key modules. */
export function keyError(message: string, details?: Record<string, string>): AuthError {
  return new AuthError('ERR_KEY_INVALID', message, details);
}

/** The material of a key made by importKeyObject, or a thrown ERR_KEY_INVALID for anything else. */
export function getKeyMaterial(key: JwtKey): KeyMaterial {
  const material = materials.get(key);
  if (material === undefined) throw keyError('not a key imported by @gatehouse/jwt');
  return material;
}

/** True when `value` is a key made by importKeyObject (so by one of our importers). */
export function isJwtKey(value: unknown): value is JwtKey {
  return typeof value === 'object' && value !== null && materials.has(value as JwtKey);
}

/** `kid` when it is a string of 1 to 256 characters; otherwise a thrown ERR_KEY_INVALID. */
export function checkKid(kid: unknown): string {
  if (typeof kid !== 'string' || kid.length === 0 || kid.length > MAX_KID_LENGTH) {
    throw keyError(`kid must be a string of 1 to ${MAX_KID_LENGTH} characters`);
  }
  return kid;
}

/**
 * Checks that a node KeyObject fits `alg`, and wraps it as a JwtKey.
 *
 * @throws AuthError ERR_KEY_INVALID when the key type, curve or size does not fit the algorithm.
 * @example
 * const key = importKeyObject(createPublicKey(pem), 'ES256');
 */
export function importKeyObject(
  keyObject: KeyObject,
  alg: JwsAlgorithm,
  options: ImportKeyOptions = {},
): JwtKey {
  if (!isJwsAlgorithm(alg)) throw new AuthError('ERR_KEY_UNSUPPORTED', 'unsupported algorithm');
  const spec = ALGORITHM_SPECS[alg];
  let modulusBytes = 0;
  if (spec.family === 'hmac') {
    if (keyObject.type !== 'secret')
      throw keyError(`${alg} needs a secret key, not a ${keyObject.type} key`);
    const secret = keyObject.export();
    if (secret.length < spec.hashBytes) {
      // RFC 7518 section 3.2: a key of the same size as the hash output or larger.
      throw keyError(`${alg} secret must be at least ${spec.hashBytes} bytes`);
    }
    if (looksLikeKeyMaterial(secret))
      throw keyError('an HMAC secret must not be a public or private key');
  } else {
    if (keyObject.type === 'secret') throw keyError(`${alg} needs an asymmetric key, not a secret`);
    const type = keyObject.asymmetricKeyType;
    const details = keyObject.asymmetricKeyDetails ?? {};
    switch (spec.family) {
      case 'rsa':
      case 'rsa-pss': {
        const pssKey = type === 'rsa-pss';
        if (!(type === 'rsa' || (pssKey && spec.family === 'rsa-pss'))) {
          throw keyError(`${alg} needs an RSA key`);
        }
        if (pssKey && details.hashAlgorithm !== undefined && details.hashAlgorithm !== spec.hash) {
          throw keyError(`RSASSA-PSS key parameters do not match ${alg}`);
        }
        const bits = details.modulusLength ?? 0;
        if (bits < MIN_RSA_BITS) throw keyError(`RSA keys must have at least ${MIN_RSA_BITS} bits`);
        // Small exponents (1, 3) enable forgeries against lax PKCS#1 v1.5 parsers.
        const exponent = details.publicExponent ?? 0n;
        if (exponent < MIN_RSA_EXPONENT)
          throw keyError('RSA public exponent must be at least 65537');
        if (exponent > MAX_RSA_EXPONENT)
          throw keyError('RSA public exponent must be at most 2^32 - 1');
        if (hasRocaFingerprint(keyObject))
          throw keyError('RSA modulus has the ROCA fingerprint (CVE-2017-15361)');
        modulusBytes = Math.ceil(bits / 8);
        break;
      }
      case 'ecdsa':
        if (type !== 'ec') throw keyError(`${alg} needs an EC key`);
        if (details.namedCurve !== NODE_CURVE[spec.curve as string]) {
          throw keyError(`${alg} needs a key on curve ${spec.curve as string}`);
        }
        break;
      case 'eddsa':
        if (type !== 'ed25519') throw keyError('EdDSA needs an Ed25519 key');
        break;
    }
  }
  const kind: JwtKeyKind =
    keyObject.type === 'secret' ? 'secret' : keyObject.type === 'private' ? 'private' : 'public';
  const verifyingKey = kind === 'private' ? createPublicKey(keyObject) : keyObject;
  const kid = options.kid === undefined ? thumbprintOf(verifyingKey, alg) : checkKid(options.kid);
  const key: JwtKey = Object.freeze({ alg, kid, kind });
  materials.set(
    key,
    Object.freeze({
      spec,
      signingKey: kind === 'public' ? null : keyObject,
      verifyingKey,
      modulusBytes,
      hmac: kind === 'secret' ? createHmacKernel(spec.hash as string, keyObject) : null,
    }),
  );
  return key;
}

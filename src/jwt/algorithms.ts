/**
 * The JWS algorithms we implement (RFC 7518 section 3, RFC 8037 section 3.1) and their
 * primitives on node:crypto. `none` does not exist here: there is no code path without a key.
 */
import {
  constants,
  createHmac,
  type KeyObject,
  sign as cryptoSign,
  verify as cryptoVerify,
  timingSafeEqual,
} from 'node:crypto';

export const JWS_ALGORITHMS = [
  'HS256',
  'HS384',
  'HS512',
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/** A JWS algorithm Gatehouse signs and verifies with. */
export type JwsAlgorithm = (typeof JWS_ALGORITHMS)[number];

export type AlgorithmFamily = 'hmac' | 'rsa' | 'rsa-pss' | 'ecdsa' | 'eddsa';

export interface AlgorithmSpec {
  readonly alg: JwsAlgorithm;
  readonly family: AlgorithmFamily;
  /** node:crypto digest name; null for EdDSA, which hashes internally. */
  readonly hash: 'sha256' | 'sha384' | 'sha512' | null;
  /** Digest length in bytes: minimum HMAC secret length and the PSS salt length. */
  readonly hashBytes: number;
  /** Required named curve for ECDSA and EdDSA. */
  readonly curve?: 'P-256' | 'P-384' | 'P-521' | 'Ed25519';
  /** Exact signature length where the algorithm fixes it (ECDSA r||s, Ed25519, HMAC tag). */
  readonly signatureBytes?: number;
}

const spec = (s: AlgorithmSpec): AlgorithmSpec => Object.freeze(s);

export const ALGORITHM_SPECS: Readonly<Record<JwsAlgorithm, AlgorithmSpec>> = Object.freeze({
  HS256: spec({ alg: 'HS256', family: 'hmac', hash: 'sha256', hashBytes: 32, signatureBytes: 32 }),
  HS384: spec({ alg: 'HS384', family: 'hmac', hash: 'sha384', hashBytes: 48, signatureBytes: 48 }),
  HS512: spec({ alg: 'HS512', family: 'hmac', hash: 'sha512', hashBytes: 64, signatureBytes: 64 }),
  RS256: spec({ alg: 'RS256', family: 'rsa', hash: 'sha256', hashBytes: 32 }),
  RS384: spec({ alg: 'RS384', family: 'rsa', hash: 'sha384', hashBytes: 48 }),
  RS512: spec({ alg: 'RS512', family: 'rsa', hash: 'sha512', hashBytes: 64 }),
  PS256: spec({ alg: 'PS256', family: 'rsa-pss', hash: 'sha256', hashBytes: 32 }),
  PS384: spec({ alg: 'PS384', family: 'rsa-pss', hash: 'sha384', hashBytes: 48 }),
  PS512: spec({ alg: 'PS512', family: 'rsa-pss', hash: 'sha512', hashBytes: 64 }),
  // RFC 7518 section 3.4: r||s, each as long as the curve order, never DER.
  ES256: spec({ alg: 'ES256', family: 'ecdsa', hash: 'sha256', hashBytes: 32, curve: 'P-256', signatureBytes: 64 }),
  ES384: spec({ alg: 'ES384', family: 'ecdsa', hash: 'sha384', hashBytes: 48, curve: 'P-384', signatureBytes: 96 }),
  ES512: spec({ alg: 'ES512', family: 'ecdsa', hash: 'sha512', hashBytes: 64, curve: 'P-521', signatureBytes: 132 }),
  EdDSA: spec({ alg: 'EdDSA', family: 'eddsa', hash: null, hashBytes: 64, curve: 'Ed25519', signatureBytes: 64 }),
});

/** True when `value` names an algorithm we implement (exact, case-sensitive: RFC 7515 4.1.1). */
export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHM_SPECS, value);
}

/**
 * Computes a JWS signature over `data` with a private or secret key.
 * The key's type has already been checked against `algSpec` when it was imported.
 */
export function computeSignature(algSpec: AlgorithmSpec, key: KeyObject, data: Buffer): Buffer {
  switch (algSpec.family) {
    case 'hmac':
      return createHmac(algSpec.hash as string, key).update(data).digest();
    case 'rsa':
      return cryptoSign(algSpec.hash, data, { key, padding: constants.RSA_PKCS1_PADDING });
    case 'rsa-pss':
      return cryptoSign(algSpec.hash, data, {
        key,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        // RFC 7518 section 3.5: the salt is as long as the hash output.
        saltLength: algSpec.hashBytes,
      });
    case 'ecdsa':
      return cryptoSign(algSpec.hash, data, { key, dsaEncoding: 'ieee-p1363' });
    case 'eddsa':
      return cryptoSign(null, data, key);
  }
}

/**
 * Checks a JWS signature. Returns false (never throws) for a wrong signature of any shape.
 *
 * `modulusBytes` is the RSA key size in bytes (0 for other families): RFC 8017 section 8.2.2
 * step 1 requires the signature to be exactly that long.
 */
export function checkSignature(
  algSpec: AlgorithmSpec,
  key: KeyObject,
  modulusBytes: number,
  data: Buffer,
  signature: Buffer,
): boolean {
  const fixed = algSpec.signatureBytes;
  if (fixed !== undefined && signature.length !== fixed) return false;
  try {
    switch (algSpec.family) {
      case 'hmac': {
        const expected = createHmac(algSpec.hash as string, key).update(data).digest();
        return timingSafeEqual(expected, signature);
      }
      case 'rsa':
        if (signature.length !== modulusBytes) return false;
        return cryptoVerify(algSpec.hash, data, { key, padding: constants.RSA_PKCS1_PADDING }, signature);
      case 'rsa-pss':
        if (signature.length !== modulusBytes) return false;
        return cryptoVerify(
          algSpec.hash,
          data,
          // An explicit salt length: node's default for verify is AUTO, which would accept any.
          { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: algSpec.hashBytes },
          signature,
        );
      case 'ecdsa':
        return cryptoVerify(algSpec.hash, data, { key, dsaEncoding: 'ieee-p1363' }, signature);
      case 'eddsa':
        return cryptoVerify(null, data, key, signature);
    }
  } catch {
    // OpenSSL throws on some malformed signatures instead of returning false.
    return false;
  }
}

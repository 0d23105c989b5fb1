/**
 * The JWS algorithms we implement (RFC 7518 section 3, RFC 8037 section 3.1) and their
 * primitives on node:crypto. `none` does not exist here: there is no code path without a key.
 */
import {
  constants,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
  timingSafeEqual,
} from 'node:crypto';
import { AuthError } from '../core/index.js';
import type { HmacKernel } from './hmac.js';

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
  ES256: spec({
    alg: 'ES256',
    family: 'ecdsa',
    hash: 'sha256',
    hashBytes: 32,
    curve: 'P-256',
    signatureBytes: 64,
  }),
  ES384: spec({
    alg: 'ES384',
    family: 'ecdsa',
    hash: 'sha384',
    hashBytes: 48,
    curve: 'P-384',
    signatureBytes: 96,
  }),
  ES512: spec({
    alg: 'ES512',
    family: 'ecdsa',
    hash: 'sha512',
    hashBytes: 64,
    curve: 'P-521',
    signatureBytes: 132,
  }),
  EdDSA: spec({
    alg: 'EdDSA',
    family: 'eddsa',
    hash: null,
    hashBytes: 64,
    curve: 'Ed25519',
    signatureBytes: 64,
  }),
});

/** True when `value` names an algorithm we implement (exact, case-sensitive: RFC 7515 4.1.1). */
export function isJwsAlgorithm(value: unknown): value is JwsAlgorithm {
  return typeof value === 'string' && Object.hasOwn(ALGORITHM_SPECS, value);
}

/** What the primitives need of a key; `KeyMaterial` in key-types.ts is one. */
export interface SignatureKey {
  readonly spec: AlgorithmSpec;
  /** Signs (private or secret); null for a public key. */
  readonly signingKey: KeyObject | null;
  /** Verifies (public or secret). */
  readonly verifyingKey: KeyObject;
  /** RSA modulus length in bytes; 0 otherwise. */
  readonly modulusBytes: number;
  /** The HMAC kernel of a secret key; null otherwise. */
  readonly hmac: HmacKernel | null;
}

const toBytes = (input: Buffer | string) =>
  typeof input === 'string' ? Buffer.from(input, 'latin1') : input;

/**
 * Computes a JWS signature over the signing input (bytes, or a latin1 string: it is ASCII).
 *
 * @throws AuthError ERR_KEY_INVALID when the key cannot sign
 */
export function computeSignature(key: SignatureKey, input: Buffer | string): Buffer {
  const { spec, signingKey } = key;
  if (signingKey === null) throw new AuthError('ERR_KEY_INVALID', 'a public key cannot sign');
  if (key.hmac !== null) return key.hmac.mac(input);
  const data = toBytes(input);
  switch (spec.family) {
    case 'rsa':
      return cryptoSign(spec.hash, data, { key: signingKey, padding: constants.RSA_PKCS1_PADDING });
    case 'rsa-pss':
      return cryptoSign(spec.hash, data, {
        key: signingKey,
        padding: constants.RSA_PKCS1_PSS_PADDING,
        // RFC 7518 section 3.5: the salt is as long as the hash output.
        saltLength: spec.hashBytes,
      });
    case 'ecdsa':
      return cryptoSign(spec.hash, data, { key: signingKey, dsaEncoding: 'ieee-p1363' });
    default:
      return cryptoSign(null, data, signingKey);
  }
}

/**
 * Constant-time equality of two strings of the same public length (no early exit on a mismatch).
 */
function timingSafeEqualStrings(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return diff === 0;
}

/**
 * Checks a JWS signature, given as bytes or as its canonical base64url segment. Returns false
 * (never throws) for a wrong signature of any shape.
 *
 * `input` is the signing input, as bytes or as a latin1 string (a JWS signing input is ASCII).
 * An HMAC tag given as a segment is compared in base64url without decoding it: canonical
 * base64url has one spelling per byte string, so equal text means equal tags.
 * RSA signatures must be exactly as long as the modulus (RFC 8017 section 8.2.2 step 1).
 */
export function checkSignature(
  key: SignatureKey,
  input: Buffer | string,
  signatureInput: Buffer | string,
): boolean {
  const { spec, verifyingKey } = key;
  if (key.hmac !== null && typeof signatureInput === 'string' && typeof input === 'string') {
    return timingSafeEqualStrings(key.hmac.macBase64Url(input), signatureInput);
  }
  const signature =
    typeof signatureInput === 'string' ? Buffer.from(signatureInput, 'base64url') : signatureInput;
  const fixed = spec.signatureBytes;
  if (fixed !== undefined && signature.length !== fixed) return false;
  try {
    if (key.hmac !== null) {
      // Constant time; both are the full tag length (checked above).
      return timingSafeEqual(key.hmac.mac(input), signature);
    }
    const data = toBytes(input);
    switch (spec.family) {
      case 'rsa':
        if (signature.length !== key.modulusBytes) return false;
        return cryptoVerify(
          spec.hash,
          data,
          { key: verifyingKey, padding: constants.RSA_PKCS1_PADDING },
          signature,
        );
      case 'rsa-pss':
        if (signature.length !== key.modulusBytes) return false;
        return cryptoVerify(
          spec.hash,
          data,
          // An explicit salt length: node's default for verify is AUTO, which would accept any.
          {
            key: verifyingKey,
            padding: constants.RSA_PKCS1_PSS_PADDING,
            saltLength: spec.hashBytes,
          },
          signature,
        );
      case 'ecdsa':
        return cryptoVerify(
          spec.hash,
          data,
          { key: verifyingKey, dsaEncoding: 'ieee-p1363' },
          signature,
        );
      case 'eddsa':
        return cryptoVerify(null, data, verifyingKey, signature);
      default:
        return false;
    }
  } catch {
    // OpenSSL throws on some malformed signatures instead of returning false.
    return false;
  }
}

/**
 * gatehouse/jwt: strict, synchronous JWS/JWT on node:crypto.
 * See docs/jwt.md for the guarantees and docs/errors.md for the error codes.
 */
export {
  ALGORITHM_SPECS,
  isJwsAlgorithm,
  JWS_ALGORITHMS,
  type JwsAlgorithm,
} from './algorithms.js';
export { type ClaimsConfig, type JwtPayload, normaliseTyp } from './claims.js';
export { decodeJwtUnverified, type UnverifiedJwt } from './decode.js';
export {
  DEFAULT_MAX_TOKEN_BYTES,
  type JwsHeader,
  type JwsVerifyOptions,
  type VerifiedJws,
} from './jws.js';
export { createKeyRing, type KeyRing, type KeyRingOptions } from './key-ring.js';
export {
  calculateJwkThumbprint,
  exportJwk,
  exportPublicJwks,
  generateJwtKey,
  type ImportKeyOptions,
  importDer,
  importHmacSecret,
  importJwk,
  importJwks,
  importKeyObject,
  importPem,
  isJwtKey,
  type Jwk,
  type JwtKey,
  type JwtKeyKind,
  publicKeyOf,
} from './keys.js';
export {
  createJwtSigner,
  type JwtSigner,
  type JwtSignerOptions,
  type SignJwtOptions,
  signJws,
  signJwt,
} from './sign.js';
export {
  createJwsVerifier,
  createJwtVerifier,
  type JwsVerifier,
  type JwtVerifier,
  type JwtVerifyConfig,
  type JwtVerifyOptions,
  type VerifiedJwt,
  verifyJwt,
} from './verify.js';

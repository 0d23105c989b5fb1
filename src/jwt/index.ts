/**
 * @gatehouse/jwt: strict, synchronous JWS/JWT on node:crypto.
 * See docs/jwt.md for the guarantees and docs/errors.md for the error codes.
 */
export {
  ALGORITHM_SPECS,
  isJwsAlgorithm,
  JWS_ALGORITHMS,
  type JwsAlgorithm,
} from './algorithms.js';
export { checkJwsSignature } from './check-signature.js';
export { type ClaimsConfig, type JwtPayload, normaliseTyp } from './claims.js';
export { decodeJwtUnverified, type UnverifiedJwt } from './decode.js';
export { importJwk, importJwks } from './jwk-import.js';
export {
  DEFAULT_MAX_TOKEN_BYTES,
  type JwsHeader,
  type JwsVerifyOptions,
  type VerifiedJws,
} from './jws.js';
export { exportJwk, exportPublicJwks, publicKeyOf } from './key-export.js';
export { generateJwtKey } from './key-generate.js';
export { importKeyObject, isJwtKey } from './key-handle.js';
export { importDer, importHmacSecret, importPem } from './key-import.js';
export { createKeyRing, type KeyRing, type KeyRingOptions } from './key-ring.js';
export {
  checkRetirement,
  planSigningKey,
  type RetirementCheck,
  type RetirementPolicy,
  type SigningKeyStore,
  type StoredSigningKey,
  signsFromOf,
} from './key-store.js';
export type { ImportKeyOptions, Jwk, JwtKey, JwtKeyKind } from './key-types.js';
export {
  createJwtSigner,
  type JwtSigner,
  type JwtSignerOptions,
  type SignJwtOptions,
  signJws,
  signJwt,
} from './sign.js';
export { calculateJwkThumbprint } from './thumbprint.js';
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

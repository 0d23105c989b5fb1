/** gatehouse/core: errors, clock, randomness and encodings shared by every module. Browser-safe. */
export { type Clock, createFixedClock, systemClock } from './clock.js';
export {
  decodeBase64Url,
  encodeBase64Url,
  hasCanonicalBase64UrlEnd,
  isCanonicalBase64Url,
} from './encoding.js';
export {
  AuthError,
  ERROR_CATALOGUE,
  type ErrorCode,
  type ErrorDetails,
  isAuthError,
} from './errors.js';
export {
  deepFreeze,
  type JsonObject,
  type ParseJsonObjectResult,
  parseJsonObject,
} from './json.js';
export { type RandomSource, systemRandom } from './random.js';
export {
  createOpaqueToken,
  createRandomId,
  ID_BYTES,
  type OpaqueToken,
  parseOpaqueToken,
  SECRET_BYTES,
} from './tokens.js';

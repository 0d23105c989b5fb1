/**
 * @gatehouse/client: keep a user signed in, in the browser or in Node, with DPoP-bound tokens
 * (RFC 9449) that are worthless away from this client's non-extractable key. No node:* imports.
 */
export {
  type AuthClient,
  AuthClientError,
  type AuthClientOptions,
  type AuthEvent,
  type AuthUser,
  createAuthClient,
  readExpiry,
} from './auth-client.js';
export {
  accessTokenHash,
  type CryptoKeyHandle,
  createDpopProof,
  type DpopKeyPair,
  type DpopProofInput,
  generateDpopKey,
  htuOf,
  jwkThumbprint,
  type PublicEcJwk,
  publicJwkOf,
} from './dpop.js';
export {
  type IndexedDbStoreOptions,
  indexedDbKeyStore,
  indexedDbTokenStore,
} from './indexed-db.js';
export { type DpopKeyStore, memoryKeyStore } from './key-store.js';
export {
  localStorageTokenStore,
  memoryTokenStore,
  type StoredTokens,
  type SyncTokenStore,
  type TokenStore,
} from './token-store.js';

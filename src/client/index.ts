/** gatehouse/client: keep a user signed in, in the browser or in Node. No node:* imports. */
export {
  type AuthClient,
  AuthClientError,
  type AuthClientOptions,
  type AuthEvent,
  createAuthClient,
  readExpiry,
} from './auth-client.js';
export {
  localStorageTokenStore,
  memoryTokenStore,
  type StoredTokens,
  type TokenStore,
} from './token-store.js';

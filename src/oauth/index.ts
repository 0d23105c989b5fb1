/**
 * gatehouse oauth: the authorization code flow with PKCE (RFC 6749 section 4.1, RFC 7636, OAuth
 * 2.1) and OpenID Connect ID tokens. The request's checks, the single-use codes and the ID
 * token's claims; no HTTP, no database.
 */
export {
  type AuthorizationRequest,
  type AuthorizationRequestCheck,
  checkAuthorizationRequest,
  decideSignIn,
  type PromptValue,
  type RedirectedError,
  type RequestParameters,
  redirectWith,
  type ShownError,
} from './authorize-request.js';
export {
  type AuthorizationCodes,
  type AuthorizationCodesOptions,
  CODE_TTL_MS,
  type CodeExchange,
  type CodeGrant,
  createAuthorizationCodes,
} from './codes.js';
export { canSignIdTokens, type IdTokenGrant, signIdToken, tokenHash } from './id-token.js';
export { checkPkce, isCodeVerifier, isS256Challenge, s256Challenge } from './pkce.js';
export type { AuthorizationCodeRecord, AuthorizationCodeStore } from './store.js';

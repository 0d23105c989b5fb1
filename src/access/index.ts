/** gatehouse/access: the access-token profile, issue and check, the Authorization header, revocations. */
export {
  type AuthorizationCredentials,
  bearerTokenOf,
  parseAuthorization,
} from './authorization.js';
export {
  ACCESS_TOKEN_CLAIMS,
  ACCESS_TOKEN_TYP,
  type AccessGrant,
  type AccessTokenProfile,
  type AccessVerifierOptions,
  accessClaimsOf,
  accessTokenClaims,
  accessVerifierOptions,
  boundKeyOf,
  type GatehouseClaims,
} from './profile.js';
export { createRevocationList, type RevocationList } from './revocation-list.js';
export {
  createRevocationLog,
  hashSessionId,
  type RevocationFeedEntry,
  type RevocationFeedPage,
  type RevocationLog,
} from './revocation-log.js';
export {
  createRevocationRegistry,
  FEED_PAGE_LIMIT,
  type RevocationPublisher,
  type RevocationRegistry,
  type RevocationRegistryOptions,
  type RevocationSource,
} from './revocations.js';
export {
  type AccessPrincipal,
  type AccessScheme,
  type AccessTokens,
  type AccessTokensOptions,
  createAccessTokens,
} from './tokens.js';

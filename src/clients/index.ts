/** gatehouse clients: the OAuth client registry, client authentication, scopes and roles. No HTTP. */
export {
  authenticateClient,
  type ClientAuthMethod,
  type ClientPresentation,
  checkGrantAllowed,
  type PresentedClient,
  readBasicCredentials,
  readClientCredentials,
} from './credentials.js';
export { checkRedirectUri } from './redirect-uris.js';
export {
  BUILT_IN_CLIENTS,
  type ClientRecord,
  type ClientStore,
  type ClientType,
  createClientSecret,
  DEFAULT_CLIENT_ID,
  findClient,
  GRANT_TYPES,
  type GrantType,
  type NewClientOptions,
  OIDC_SCOPES,
  planClient,
  SCOPE_TOKEN,
  SDK_CLIENT_ID,
} from './registry.js';
export {
  decideScopes,
  parseScopeParameter,
  ROLE_NAME,
  type RoleStore,
  type ScopePolicy,
  type ScopeRequest,
  supportedScopes,
} from './scopes.js';

/** The user-facing flows (login, refresh, revoke, logout, password change) over the services. */
export {
  type AuthFlows,
  type AuthFlowsOptions,
  type ClaimsContext,
  type ClaimsHook,
  type CodeTokenResponse,
  createAuthFlows,
  type Principal,
  type SignedIn,
  type TokenClient,
} from './service.js';

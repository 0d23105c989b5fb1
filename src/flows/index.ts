/** The user-facing flows (login, refresh, revoke, logout, password change) over the services. */
export {
  type AuthFlows,
  type AuthFlowsOptions,
  type ClaimsContext,
  type ClaimsHook,
  createAuthFlows,
  type Principal,
  type TokenClient,
} from './service.js';

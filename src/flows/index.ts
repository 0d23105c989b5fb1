/** The user-facing flows (login, refresh, revoke, logout, password change) over the services. */
export {
  type AuthFlows,
  type AuthFlowsOptions,
  createAuthFlows,
  type Principal,
} from './service.js';

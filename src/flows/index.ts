/** The user-facing flows (login, refresh, revoke, logout, password change) over the services. */
export { type ClientPresentation, DEFAULT_CLIENT_ID, identifyClient } from './client.js';
export {
  type AuthFlows,
  type AuthFlowsOptions,
  createAuthFlows,
  type Principal,
} from './service.js';

/** gatehouse/middleware: check Gatehouse access tokens in any Node API. */
export type { GatehouseClaims } from '../access/index.js';
export {
  createTokenGuard,
  type GuardRefusalReason,
  type GuardRequest,
  type GuardResult,
  type TokenGuard,
  type TokenGuardOptions,
} from './token-guard.js';

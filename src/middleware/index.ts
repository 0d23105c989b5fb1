/** @gatehouse/middleware: check Gatehouse access tokens in any Node API. */
export type { GatehouseClaims } from '../access/index.js';
export { createMemoryReplayCache, type ReplayCache } from '../dpop/index.js';
export {
  createTokenGuard,
  type GuardRefusalReason,
  type GuardRequest,
  type GuardResult,
  type TokenGuard,
  type TokenGuardOptions,
} from './token-guard.js';

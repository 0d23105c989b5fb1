/** gatehouse/middleware: check Gatehouse access tokens in any Node API. */
export {
  createTokenGuard,
  type GuardResult,
  type TokenGuard,
  type TokenGuardOptions,
} from './token-guard.js';

/** gatehouse limits: the throttling policy (pure) and the limit and security-event stores. */

export { addressKeyOf } from './address.js';
export {
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  checkLimit,
  type LimitPolicy,
  planFailure,
} from './policy.js';
export type { LimitState, LimitStore, SecurityEventStore } from './store.js';

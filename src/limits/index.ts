/** gatehouse limits: the throttling policy (pure) and the limit and security-event stores. */
export { addressKeyOf } from './address.js';
export {
  type EventFilterField,
  type EventFilterText,
  isSecurityEventType,
  parseEventFilter,
  SECURITY_EVENT_TYPES,
} from './event-filter.js';
export {
  ACCOUNT_ADDRESS_POLICY,
  ACCOUNT_POLICY,
  ADDRESS_POLICY,
  checkLimit,
  KNOWN_ADDRESS_MS,
  LINK_ADDRESS_POLICY,
  type LimitPolicy,
  type LimitState,
  LONGEST_WINDOW_MS,
  MAIL_ADDRESS_POLICY,
  MAIL_RECIPIENT_POLICY,
  PASSWORD_CHANGE_POLICY,
  planFailure,
  planRefund,
  planReservation,
  type Reservation,
  SIGNUP_ADDRESS_POLICY,
  SIGNUP_GLOBAL_POLICY,
} from './policy.js';
export type {
  LimitStore,
  SecurityEvent,
  SecurityEventQuery,
  SecurityEventStore,
  SecurityEventType,
  StoredSecurityEvent,
} from './store.js';

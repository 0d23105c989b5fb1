/**
 * The filter of a security-event listing, read from text: the admin API's query and the CLI's
 * options (`gatehouse events list`) accept the same types, times and limits, read here once.
 */
import { AuthError } from '../core/index.js';
import type { SecurityEventQuery, SecurityEventType } from './store.js';

/** Every event type, for filters and their error messages. */
export const SECURITY_EVENT_TYPES = [
  'signup',
  'login',
  'logout',
  'login_failed',
  'login_rate_limited',
  'signup_rate_limited',
  'password_changed',
  'password_change_failed',
  'refresh_reuse',
  'dpop_key_mismatch',
  'email_verified',
  'password_reset_requested',
  'password_reset',
  'email_link_refused',
  'email_link_rate_limited',
  'account_disabled',
  'account_enabled',
  'account_signed_out',
  'account_deleted',
  'role_granted',
  'role_removed',
  'reauthentication_failed',
  'email_change_requested',
  'email_changed',
  'email_change_undone',
] as const satisfies readonly SecurityEventType[];
// Fails to compile when SecurityEvent gains a type this list lacks.
const everyType: Exclude<SecurityEventType, (typeof SECURITY_EVENT_TYPES)[number]> extends never
  ? true
  : never = true;
void everyType;

export const isSecurityEventType = (text: string): text is SecurityEventType =>
  (SECURITY_EVENT_TYPES as readonly string[]).includes(text);

/** The filter as text, each field absent when not given. */
export interface EventFilterText {
  readonly userId?: string | undefined;
  readonly type?: string | undefined;
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  readonly limit?: string | undefined;
}

/** Which field was wrong: the `reason` of the ERR_REQUEST_INVALID that parseEventFilter throws. */
export type EventFilterField = 'type' | 'since' | 'until' | 'limit';

// A date, optionally a time with a zone: what Date.parse reads the same way everywhere.
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;

const invalid = (field: EventFilterField, rule: string) =>
  new AuthError('ERR_REQUEST_INVALID', `${field} ${rule}`, { reason: field });

function timeOf(field: 'since' | 'until', text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = ISO_TIME.test(text) ? Date.parse(text) : Number.NaN;
  if (!Number.isFinite(ms))
    throw invalid(field, 'must be an ISO 8601 time, e.g. 2026-11-01T12:00:00Z');
  return ms;
}

/**
 * The query for `listEvents`. Throws ERR_REQUEST_INVALID whose message starts with the field's
 * name (`limit must be a whole number from 1 to 1000`) and whose `reason` is that name.
 *
 * @example parseEventFilter({ type: 'login', limit: '20' }, { defaultLimit: 100, maxLimit: 1000 })
 */
export function parseEventFilter(
  text: EventFilterText,
  bounds: { readonly defaultLimit: number; readonly maxLimit: number },
): SecurityEventQuery {
  const { type } = text;
  if (type !== undefined && !isSecurityEventType(type))
    throw invalid('type', `must be one of ${SECURITY_EVENT_TYPES.join(', ')}`);
  const sinceMs = timeOf('since', text.since);
  const untilMs = timeOf('until', text.until);
  const limit = text.limit === undefined ? bounds.defaultLimit : Number(text.limit);
  if (
    !/^\d{1,16}$/.test(text.limit ?? '1') ||
    !Number.isSafeInteger(limit) ||
    limit < 1 ||
    limit > bounds.maxLimit
  )
    throw invalid('limit', `must be a whole number from 1 to ${bounds.maxLimit}`);
  return {
    limit,
    ...(text.userId === undefined ? {} : { userId: text.userId }),
    ...(type === undefined ? {} : { type }),
    ...(sinceMs === undefined ? {} : { sinceMs }),
    ...(untilMs === undefined ? {} : { untilMs }),
  };
}

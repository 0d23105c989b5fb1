import type { LimitPolicy, LimitState, Reservation } from './policy.js';

export type { LimitState } from './policy.js';

/** Throttle counters by key. Every read-modify-write is one atomic step. */
export interface LimitStore {
  getLimit(key: string): Promise<LimitState | null>;
  /**
   * Atomically applies `planReservation(current, nowMs, policy)`: a refused attempt writes
   * nothing; an allowed one is counted before the caller does any work, so concurrent attempts
   * all count.
   */
  reserve(key: string, nowMs: number, policy: LimitPolicy): Promise<Reservation>;
  /** Atomically applies `planRefund`: a success gives its slot back. */
  refund(key: string): Promise<void>;
  deleteLimit(key: string): Promise<void>;
  /**
   * Remembers `key` until `untilMs` (an address where the owner signed in): read back with
   * getLimit as `{ failures: 0, blockedUntilMs: untilMs }`, never reserved.
   */
  markKnown(key: string, nowMs: number, untilMs: number): Promise<void>;
  /**
   * Deletes keys that no longer hold anything at `nowMs`: their window started at least
   * LONGEST_WINDOW_MS ago and any block has ended. Returns how many.
   */
  pruneLimits(nowMs: number): Promise<number>;
}

/** One entry of the audit trail. Holds no secret: ids, an address, a User-Agent, a time. */
export interface SecurityEvent {
  readonly type:
    | 'signup'
    | 'login'
    | 'logout'
    | 'refresh_reuse'
    | 'dpop_key_mismatch'
    | 'login_failed'
    | 'login_rate_limited'
    | 'password_changed'
    | 'password_change_failed'
    | 'signup_rate_limited'
    | 'email_verified'
    | 'password_reset_requested'
    | 'password_reset'
    | 'email_link_refused'
    /** Refused links from one client address started a block (one event per block, not per request). */
    | 'email_link_rate_limited'
    /** An operator disabled, enabled, signed out or deleted the account (`gatehouse users`). */
    | 'account_disabled'
    | 'account_enabled'
    | 'account_signed_out'
    | 'account_deleted'
    /** An operator gave the account a role, or took one away (the admin API). */
    | 'role_granted'
    | 'role_removed'
    /** A signed-in user's password check before a sensitive change failed. */
    | 'reauthentication_failed'
    /** Email change: asked for (links sent), confirmed from the new address, undone from the old. */
    | 'email_change_requested'
    | 'email_changed'
    | 'email_change_undone';
  readonly userId: string | null;
  readonly sessionId: string | null;
  readonly ip: string | null;
  readonly userAgent: string | null;
  readonly atMs: number;
  /**
   * Who acted when it was not the account's owner: `admin_token` (the admin API). Absent or
   * null: the user, or no one.
   */
  readonly actor?: string | null;
}

/** An event as read back for the admin API: with its id (the page cursor) and its actor. */
export interface StoredSecurityEvent extends SecurityEvent {
  readonly id: string;
  readonly actor: string | null;
}

export type SecurityEventType = SecurityEvent['type'];

/** What `listEvents` reads: every given filter must hold; times are inclusive bounds. */
export interface SecurityEventQuery {
  readonly userId?: string;
  readonly type?: SecurityEventType;
  readonly sinceMs?: number;
  readonly untilMs?: number;
  readonly limit: number;
}

export interface SecurityEventStore {
  recordEvent(event: SecurityEvent): Promise<void>;
  /**
   * The events matching `query`, newest first, at most `query.limit`.
   *
   * @example await events.listEvents({ userId, type: 'login', limit: 20 });
   */
  listEvents(query: SecurityEventQuery): Promise<SecurityEvent[]>;
  /**
   * Like `listEvents`, with each event's id and actor, starting strictly after `after` (the last
   * event of the previous page) in the same order: newest first, ties broken by id, descending.
   *
   * @example await events.pageEvents({ type: 'login', limit: 50, after: { atMs, id } });
   */
  pageEvents(
    query: SecurityEventQuery & { readonly after?: { readonly atMs: number; readonly id: string } },
  ): Promise<StoredSecurityEvent[]>;
  /** Deletes events recorded before `beforeMs`; returns how many. */
  pruneEvents(beforeMs: number): Promise<number>;
}

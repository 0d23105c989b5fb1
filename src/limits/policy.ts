/**
 * Throttling, pure. Every attempt reserves its slot before any work is done: the attempt counts
 * at once (as a failure until proven otherwise), so a burst of parallel attempts cannot all pass
 * the check before any of them is counted. After `freeFailures` counted attempts in a window,
 * the next one blocks the key for a delay that doubles (1 s, 2 s, 4 s, ... up to `maxDelayMs`);
 * while blocked, attempts are refused without being counted or written. A success gives its
 * slot back (`planRefund`) or clears the key.
 */

/** Counters per key (an account, an address, an account at an address, sign-ups). */
export interface LimitState {
  readonly failures: number;
  readonly windowStartedAtMs: number;
  readonly blockedUntilMs: number;
}

export interface LimitPolicy {
  readonly freeFailures: number;
  readonly windowMs: number;
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

const MINUTE = 60_000;

/**
 * Per account at one address: 5 free attempts in 15 minutes, then 1 s doubling to 15 minutes.
 * This budget is what a guesser at one address meets; a success clears it.
 */
export const ACCOUNT_ADDRESS_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 5,
  windowMs: 15 * MINUTE,
  baseDelayMs: 1000,
  maxDelayMs: 15 * MINUTE,
});

/**
 * Per account from every address together: the budget that bounds a guesser spread over many
 * addresses. 20 free attempts an hour, then 1 s doubling to at most 1 minute: about 20 + 60
 * guesses an hour at most. The owner's known addresses (a success in the last 30 days) are not
 * held to it, so strangers cannot lock the owner out; from a new address the owner waits a
 * minute at most.
 */
export const ACCOUNT_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 20,
  windowMs: 60 * MINUTE,
  baseDelayMs: 1000,
  maxDelayMs: MINUTE,
});

/** Per client address (IPv6 by /64), across accounts: headroom for shared NATs, same growth. */
export const ADDRESS_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 20,
  windowMs: 15 * MINUTE,
  baseDelayMs: 1000,
  maxDelayMs: 15 * MINUTE,
});

/** Password change (the current password re-checked): 5 in 15 minutes per user, like a login. */
export const PASSWORD_CHANGE_POLICY: LimitPolicy = ACCOUNT_ADDRESS_POLICY;

/** Sign-ups per address: 10 an hour, then 1 minute doubling to an hour. Never refunded. */
export const SIGNUP_ADDRESS_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 10,
  windowMs: 60 * MINUTE,
  baseDelayMs: MINUTE,
  maxDelayMs: 60 * MINUTE,
});

/** Sign-ups from everywhere: 120 a minute, then 1 s doubling to a minute (each costs a hash). */
export const SIGNUP_GLOBAL_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 120,
  windowMs: MINUTE,
  baseDelayMs: 1000,
  maxDelayMs: MINUTE,
});

/**
 * Emails asked for (a password reset, a new verification link) per address they go to: 3 an
 * hour, then 1 minute doubling to an hour. Never refunded: each one is a message to someone's
 * inbox, and the same for addresses with and without an account.
 */
export const MAIL_RECIPIENT_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 3,
  windowMs: 60 * MINUTE,
  baseDelayMs: MINUTE,
  maxDelayMs: 60 * MINUTE,
});

/** Emails asked for per client address (IPv6 by /64), across recipients: 20 an hour, same growth. */
export const MAIL_ADDRESS_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 20,
  windowMs: 60 * MINUTE,
  baseDelayMs: MINUTE,
  maxDelayMs: 60 * MINUTE,
});

/**
 * Refused email links (verification, reset, email change) per client address (IPv6 by /64): 20
 * in 15 minutes, then waits of 1 minute doubling to 15 minutes. A link's 256-bit secret cannot be
 * guessed: this bounds the rows one address writes into the security events, not guesses. In one
 * window that is 24 `email_link_refused` (the 20 free, and the 4 that start waits of 1, 2, 4
 * and 8 minutes, which fill the window) and 4 `email_link_rate_limited` (one per wait). A link
 * that works gives its slot back.
 */
export const LINK_ADDRESS_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 20,
  windowMs: 15 * MINUTE,
  baseDelayMs: MINUTE,
  maxDelayMs: 15 * MINUTE,
});

/** How long an address stays known for an account after a successful login there. */
export const KNOWN_ADDRESS_MS = 30 * 24 * 60 * MINUTE;

/** The longest window of any policy: rows older than this (and unblocked) can be pruned. */
export const LONGEST_WINDOW_MS = 60 * MINUTE;

/** Milliseconds until another attempt is allowed; 0 when allowed now. */
export function checkLimit(state: LimitState | null, nowMs: number): number {
  if (state === null) return 0;
  return Math.max(0, state.blockedUntilMs - nowMs);
}

/** The state after one more counted attempt at `nowMs`. */
export function planFailure(
  state: LimitState | null,
  nowMs: number,
  policy: LimitPolicy,
): LimitState {
  const fresh =
    state === null || state.failures === 0 || nowMs - state.windowStartedAtMs >= policy.windowMs;
  const failures = fresh ? 1 : state.failures + 1;
  const windowStartedAtMs = fresh ? nowMs : state.windowStartedAtMs;
  const over = failures - policy.freeFailures;
  const delay =
    over <= 0 ? 0 : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(over - 1, 30));
  return { failures, windowStartedAtMs, blockedUntilMs: delay === 0 ? 0 : nowMs + delay };
}

/** The outcome of reserving a slot. */
export type Reservation =
  | {
      readonly allowed: true;
      readonly state: LimitState;
      /** This attempt started a block (the one moment worth a security event). */
      readonly startedBlock: boolean;
    }
  | { readonly allowed: false; readonly state: LimitState; readonly retryAfterMs: number };

/**
 * Reserves a slot: refused while blocked (nothing to write), else the attempt counts now.
 * The stores run this atomically (a locked row, a Lua script), step for step.
 */
export function planReservation(
  state: LimitState | null,
  nowMs: number,
  policy: LimitPolicy,
): Reservation {
  const waitMs = checkLimit(state, nowMs);
  if (state !== null && waitMs > 0) return { allowed: false, state, retryAfterMs: waitMs };
  const next = planFailure(state, nowMs, policy);
  return { allowed: true, state: next, startedBlock: next.blockedUntilMs > nowMs };
}

/** A success gives its slot back: one attempt fewer (a block already set stays). */
export function planRefund(state: LimitState | null): LimitState | null {
  if (state === null || state.failures <= 0) return state;
  return { ...state, failures: state.failures - 1 };
}

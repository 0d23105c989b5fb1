/**
 * Login throttling, pure: after `freeFailures` failures in a window, each further failure blocks
 * for a delay that doubles (1 s, 2 s, 4 s, ... up to `maxDelayMs`). A success resets the account.
 */

/** Counters for failed logins, per account and per client address. */
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

/** Per account: 5 free failures in 15 minutes, then 1 s doubling to 15 minutes. */
export const ACCOUNT_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 5,
  windowMs: 15 * 60_000,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
});
/** Per client address: more headroom (shared NATs), same growth. */
export const ADDRESS_POLICY: LimitPolicy = Object.freeze({
  freeFailures: 20,
  windowMs: 15 * 60_000,
  baseDelayMs: 1000,
  maxDelayMs: 15 * 60_000,
});

/** Milliseconds until another attempt is allowed; 0 when allowed now. */
export function checkLimit(state: LimitState | null, nowMs: number): number {
  if (state === null) return 0;
  return Math.max(0, state.blockedUntilMs - nowMs);
}

/** The state after one more failure at `nowMs`. */
export function planFailure(
  state: LimitState | null,
  nowMs: number,
  policy: LimitPolicy,
): LimitState {
  const fresh = state === null || nowMs - state.windowStartedAtMs >= policy.windowMs;
  const failures = fresh ? 1 : state.failures + 1;
  const windowStartedAtMs = fresh ? nowMs : state.windowStartedAtMs;
  const over = failures - policy.freeFailures;
  const delay =
    over <= 0 ? 0 : Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(over - 1, 30));
  return { failures, windowStartedAtMs, blockedUntilMs: delay === 0 ? 0 : nowMs + delay };
}

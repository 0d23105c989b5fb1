/**
 * Retention: what storage no longer needs is deleted, on every backend, so nothing grows without
 * end. Throttle keys whose window and block are over; security events older than the retention
 * period; replay ciphertexts past their grace window and refresh tokens past their expiry;
 * sessions that ended long enough ago that no access token of theirs can still verify (their
 * revocation must outlive their tokens: see access/revocations.ts); email links past their expiry
 * and messages sent a day ago (their bodies were already emptied when sent); authorization codes
 * an hour past their expiry.
 */
import type { Stores } from '../storage/index.js';

export interface RetentionPolicy {
  /** How long security events are kept. */
  readonly eventRetentionMs: number;
  /** The access-token lifetime: an ended session's row is kept at least this long. */
  readonly accessTokenTtlMs: number;
}

export interface RetentionResult {
  readonly limits: number;
  readonly events: number;
  readonly refreshTokens: number;
  readonly sessions: number;
  readonly emailTokens: number;
  readonly sentMail: number;
  readonly authorizationCodes: number;
}

// A margin over the access-token lifetime: revocations are read back with a skew margin of a
// minute (access/revocations.ts), so rows stay a little longer than the tokens they guard.
const SESSION_MARGIN_MS = 5 * 60_000;
const SENT_MAIL_KEPT_MS = 86_400_000;
// An exchanged code is kept an hour past its expiry, so that a replay in that hour still ends the
// session its exchange started (oauth/codes.ts).
const CODE_KEPT_MS = 3_600_000;

/**
 * Deletes what is no longer needed at `nowMs`.
 *
 * @throws AuthError ERR_STORE_UNAVAILABLE when a backend cannot be reached
 * @example
 * await pruneStorage(stores, clock.nowMs(), { eventRetentionMs: 90 * 86_400_000, accessTokenTtlMs: 3_600_000 });
 */
export async function pruneStorage(
  stores: Stores,
  nowMs: number,
  policy: RetentionPolicy,
): Promise<RetentionResult> {
  return {
    limits: await stores.limits.pruneLimits(nowMs),
    events: await stores.events.pruneEvents(nowMs - policy.eventRetentionMs),
    refreshTokens: await stores.refresh.pruneRefreshTokens(nowMs),
    sessions: await stores.sessions.pruneSessions(
      nowMs - policy.accessTokenTtlMs - SESSION_MARGIN_MS,
    ),
    emailTokens: await stores.emailTokens.pruneTokens(nowMs),
    sentMail: await stores.outbox.pruneSent(nowMs - SENT_MAIL_KEPT_MS),
    authorizationCodes: await stores.codes.pruneCodes(nowMs - CODE_KEPT_MS),
  };
}

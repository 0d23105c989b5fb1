/**
 * What to do with a presented refresh token: a pure decision (RFC 9700 section 4.14.2,
 * refresh token rotation with reuse detection, plus a grace window for honest races).
 */
import type { SessionRecord } from '../sessions/index.js';
import type { RefreshRecord } from './store.js';

export interface RefreshPolicy {
  /** Lifetime of each refresh token (capped by the session's absolute end). */
  readonly refreshTtlMs: number;
  /** A repeat of the same refresh within this window after it was consumed gets the same answer. */
  readonly reuseGraceMs: number;
}

export type RotationPlan =
  | { readonly action: 'rotate' }
  | { readonly action: 'replay' }
  | { readonly action: 'reuse' }
  | { readonly action: 'reject'; readonly reason: 'session_ended' | 'expired' };

/**
 * Decides the fate of a refresh whose secret already matched `record`.
 *
 * - the session (family) ended or was revoked: reject;
 * - the token itself expired: reject;
 * - not consumed: rotate;
 * - consumed within the grace window, with the successor response still held: replay it;
 * - consumed otherwise: reuse, a sign of theft (RFC 9700 4.14.2): the caller revokes the family.
 */
export function planRotation(
  record: RefreshRecord,
  session: SessionRecord | null,
  nowMs: number,
  policy: RefreshPolicy,
): RotationPlan {
  if (session === null || session.revokedAtMs !== null || nowMs >= session.expiresAtMs) {
    return { action: 'reject', reason: 'session_ended' };
  }
  if (nowMs >= record.expiresAtMs) return { action: 'reject', reason: 'expired' };
  if (record.consumedAtMs === null) return { action: 'rotate' };
  const inGrace = nowMs - record.consumedAtMs < policy.reuseGraceMs;
  if (
    inGrace &&
    record.replayCiphertext !== null &&
    record.replayExpiresAtMs !== null &&
    nowMs < record.replayExpiresAtMs
  ) {
    return { action: 'replay' };
  }
  return { action: 'reuse' };
}

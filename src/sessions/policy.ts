/**
 * Session lifetime decisions, pure functions of the record, the time and the policy.
 */
import type { SessionRecord } from './store.js';

export interface SessionPolicy {
  /** Absolute lifetime from login (both kinds; for token sessions, the refresh family's). */
  readonly absoluteTtlMs: number;
  /** Cookie sessions end after this long without use. */
  readonly idleTtlMs: number;
  /** `last_used_at` is written at most once per this interval. */
  readonly touchIntervalMs: number;
}

export type SessionVerdict = 'active' | 'revoked' | 'expired' | 'idle';

/** Whether a session may authenticate a request at `nowMs`. */
export function checkSession(
  session: SessionRecord,
  nowMs: number,
  policy: SessionPolicy,
): SessionVerdict {
  if (session.revokedAtMs !== null) return 'revoked';
  if (nowMs >= session.expiresAtMs) return 'expired';
  if (session.kind === 'cookie' && nowMs >= session.lastUsedAtMs + policy.idleTtlMs) return 'idle';
  return 'active';
}

/** Whether to record a use now (renewing the idle timeout) or skip the write. */
export function shouldTouch(session: SessionRecord, nowMs: number, policy: SessionPolicy): boolean {
  return nowMs - session.lastUsedAtMs >= policy.touchIntervalMs;
}

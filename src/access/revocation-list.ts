/**
 * The in-memory list of revoked session ids, checked on every access-token verification without
 * a storage round trip (../shared/DESIGN-NOTES.md). An entry lives until the last access token
 * issued for that session would expire anyway; then it is dropped.
 */
export interface RevocationList {
  /** Marks a session revoked until `untilMs`. */
  revoke(sessionId: string, untilMs: number): void;
  /** True when the session is revoked at `nowMs`. O(1), no allocation. */
  isRevoked(sessionId: string, nowMs: number): boolean;
  /** Drops entries that have expired; returns how many remain. */
  sweep(nowMs: number): number;
  readonly size: number;
}

/** Creates an empty list. */
export function createRevocationList(): RevocationList {
  const until = new Map<string, number>();
  return {
    revoke(sessionId, untilMs) {
      const current = until.get(sessionId);
      if (current === undefined || current < untilMs) until.set(sessionId, untilMs);
    },
    isRevoked(sessionId, nowMs) {
      const end = until.get(sessionId);
      return end !== undefined && nowMs < end;
    },
    sweep(nowMs) {
      for (const [id, end] of until) if (end <= nowMs) until.delete(id);
      return until.size;
    },
    get size() {
      return until.size;
    },
  };
}

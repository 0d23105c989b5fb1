/** What the session service needs from storage. Times in ms; secrets only as hashes. */
export type SessionKind = 'cookie' | 'token';

export interface SessionRecord {
  readonly id: string;
  readonly userId: string;
  readonly kind: SessionKind;
  /** SHA-256 of the cookie secret; null for token sessions (their secrets are refresh tokens). */
  readonly secretHash: string | null;
  readonly createdAtMs: number;
  readonly lastUsedAtMs: number;
  /** Absolute end of the session, counted from login. */
  readonly expiresAtMs: number;
  readonly userAgent: string | null;
  readonly ip: string | null;
  readonly revokedAtMs: number | null;
  /**
   * The OAuth client a token session was granted to: its refresh tokens work for that client
   * only (RFC 6749 section 6). Absent or null: cookie sessions, and token sessions started before
   * migration 0003 (bound to no client).
   */
  readonly clientId?: string | null;
  /**
   * RFC 7638 thumbprint of the DPoP key a token session is bound to (RFC 9449 section 5: the
   * refresh tokens of a public client are bound to its key): a refresh must come with a proof of
   * that key. Absent or null: not bound (logged in without DPoP, cookie sessions, older rows).
   */
  readonly dpopJkt?: string | null;
  /**
   * The scopes granted to a token session at sign-in (RFC 6749 section 3.3): its refreshes may
   * narrow them, never widen them (section 6). Absent or null: none (cookie sessions, older rows).
   */
  readonly scopes?: readonly string[] | null;
}

export interface SessionStore {
  createSession(session: SessionRecord): Promise<void>;
  findSession(id: string): Promise<SessionRecord | null>;
  touchSession(id: string, nowMs: number): Promise<void>;
  /** The user's sessions that are neither revoked nor past their absolute end. */
  listUserSessions(userId: string, nowMs: number): Promise<SessionRecord[]>;
  /** Revokes one session; true when it was active until now. */
  revokeSession(id: string, nowMs: number, reason: string): Promise<boolean>;
  /**
   * Revokes every active session of a user except `exceptId`; returns the ids this call revoked:
   * of parallel calls, each session is reported by exactly one.
   */
  revokeUserSessions(
    userId: string,
    nowMs: number,
    reason: string,
    exceptId?: string,
  ): Promise<string[]>;
  /** Sessions revoked at or after `sinceMs`, to rebuild the in-memory revocation list. */
  listRevokedSince(sinceMs: number): Promise<Array<{ id: string; revokedAtMs: number }>>;
  /**
   * Deletes sessions that ended (revoked, or past their absolute end) before `endedBeforeMs`,
   * with their refresh tokens. Returns how many sessions.
   */
  pruneSessions(endedBeforeMs: number): Promise<number>;
}

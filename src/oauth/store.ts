/** What the authorization codes need from storage. Times in ms; the code's secret only as a hash. */

/** One authorization code (RFC 6749 section 4.1.2), by id; its secret part only as SHA-256. */
export interface AuthorizationCodeRecord {
  readonly id: string;
  readonly secretHash: string;
  readonly clientId: string;
  readonly userId: string;
  /** The redirect URI the answer went to. */
  readonly redirectUri: string;
  /** Whether the authorization request named it (then the token request must name it too). */
  readonly redirectUriGiven: boolean;
  /** The PKCE S256 challenge. */
  readonly codeChallenge: string;
  /** The scopes granted. */
  readonly scopes: readonly string[];
  /** OpenID Connect `nonce`, for the ID token; null: none. */
  readonly nonce: string | null;
  /** When the user last signed in (OpenID Connect `auth_time`). */
  readonly authTimeMs: number;
  /**
   * The browser session that signed in: the exchange is refused once it ended (a logout, a
   * password change or "sign out everywhere" leaves no code usable).
   */
  readonly browserSessionId: string;
  readonly createdAtMs: number;
  readonly expiresAtMs: number;
  /** When it was exchanged; null: not yet. */
  readonly consumedAtMs: number | null;
  /** The token session its exchange started; null: none yet. */
  readonly tokenSessionId: string | null;
  /** When it was presented again after its exchange; null: never. */
  readonly reusedAtMs: number | null;
}

export interface AuthorizationCodeStore {
  createCode(code: AuthorizationCodeRecord): Promise<void>;
  findCode(id: string): Promise<AuthorizationCodeRecord | null>;
  /** Marks an unconsumed code consumed, in one step; false when it already was (or is unknown). */
  consumeCode(id: string, nowMs: number): Promise<boolean>;
  /**
   * Records the token session an exchange started, in one step, and tells whether the code was
   * presented again meanwhile (then the caller ends that session).
   */
  attachSession(id: string, sessionId: string): Promise<{ reused: boolean }>;
  /**
   * Records, in one step, that a consumed code was presented again, and returns the session its
   * exchange started (null: not yet recorded; the exchange will see the reuse and end it).
   */
  markReused(id: string, nowMs: number): Promise<{ tokenSessionId: string | null }>;
  /** Deletes codes that expired before `beforeMs`; returns how many. */
  pruneCodes(beforeMs: number): Promise<number>;
}

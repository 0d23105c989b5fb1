/**
 * Authorization codes (RFC 6749 section 4.1.2, OAuth 2.1 section 4.1.3): `<id>.<secret>` with a
 * 256-bit secret stored only as SHA-256, valid 60 s, bound to the client, the redirect URI and
 * the PKCE challenge, and exchanged once. A second presentation ends the token session the first
 * started (RFC 6749 section 4.1.2: "SHOULD revoke ... all tokens previously issued based on that
 * authorization code"), in whichever order the two land:
 *
 *   exchange:  consume (one step) -> start session -> attach session (one step, reads "reused")
 *   replay:    mark reused (one step, reads the attached session)
 *
 * If the replay's mark comes before the exchange's attach, the exchange sees it and ends its own
 * session before answering; if after, the replay sees the session and ends it. Knows nothing of
 * HTTP or a database.
 */
import type { Clock, RandomSource } from '../core/index.js';
import { AuthError, createOpaqueToken, parseOpaqueToken } from '../core/index.js';
import { hashSecret, secretMatches } from '../sessions/index.js';
import { checkPkce } from './pkce.js';
import type { AuthorizationCodeRecord, AuthorizationCodeStore } from './store.js';

/** A code lives this long: one redirect and one token request (RFC 6749 suggests at most 10 min). */
export const CODE_TTL_MS = 60_000;

/** What a code is issued for: the record's own fields (store.ts), less its id, secret and state. */
export type CodeGrant = Pick<
  AuthorizationCodeRecord,
  | 'clientId'
  | 'userId'
  | 'redirectUri'
  | 'redirectUriGiven'
  | 'codeChallenge'
  | 'scopes'
  | 'nonce'
  | 'authTimeMs'
  | 'browserSessionId'
>;

/** The token request's side of an exchange. */
export interface CodeExchange {
  readonly code: unknown;
  readonly clientId: string;
  /** The token request's `redirect_uri`; null: absent. */
  readonly redirectUri: string | null;
  readonly codeVerifier: unknown;
}

export interface AuthorizationCodesOptions {
  readonly store: AuthorizationCodeStore;
  /** Ends a token session started from a code presented twice. */
  readonly revokeSession: (sessionId: string) => Promise<void>;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly ttlMs?: number;
}

export interface AuthorizationCodes {
  /** A new code for the grant. */
  issue(grant: CodeGrant): Promise<string>;
  /**
   * Checks a code for the exchange and consumes it: the caller then starts a session and calls
   * `attach`.
   * @throws AuthError ERR_CODE_INVALID (details.reason: malformed, unknown, client, reused,
   *   expired, redirect_uri, pkce)
   */
  redeem(exchange: CodeExchange): Promise<AuthorizationCodeRecord>;
  /**
   * Records the session the exchange started.
   * @throws AuthError ERR_CODE_INVALID (reason reused) after ending the session, when the code
   *   was presented again meanwhile
   */
  attach(code: AuthorizationCodeRecord, sessionId: string): Promise<void>;
}

const invalid = (reason: string) =>
  new AuthError('ERR_CODE_INVALID', `authorization code refused: ${reason}`, { reason });

/**
 * Creates the code service.
 *
 * @example
 * const codes = createAuthorizationCodes({ store, revokeSession, clock, random });
 * const code = await codes.issue({ clientId, userId, redirectUri, codeChallenge, scopes, nonce, authTimeMs });
 */
export function createAuthorizationCodes(options: AuthorizationCodesOptions): AuthorizationCodes {
  const { store, revokeSession, clock, random } = options;
  const ttlMs = options.ttlMs ?? CODE_TTL_MS;

  const replayed = async (record: AuthorizationCodeRecord) => {
    const { tokenSessionId } = await store.markReused(record.id, clock.nowMs());
    if (tokenSessionId !== null) await revokeSession(tokenSessionId);
    return invalid('reused');
  };

  return {
    async issue(grant) {
      const now = clock.nowMs();
      const credential = createOpaqueToken(random);
      await store.createCode({
        id: credential.id,
        secretHash: hashSecret(credential.secret),
        clientId: grant.clientId,
        userId: grant.userId,
        redirectUri: grant.redirectUri,
        redirectUriGiven: grant.redirectUriGiven,
        codeChallenge: grant.codeChallenge,
        scopes: [...grant.scopes],
        nonce: grant.nonce,
        authTimeMs: grant.authTimeMs,
        browserSessionId: grant.browserSessionId,
        createdAtMs: now,
        expiresAtMs: now + ttlMs,
        consumedAtMs: null,
        tokenSessionId: null,
        reusedAtMs: null,
      });
      return credential.token;
    },

    async redeem(exchange) {
      const parsed = parseOpaqueToken(exchange.code);
      if (parsed === null) throw invalid('malformed');
      const record = await store.findCode(parsed.id);
      if (record === null || !secretMatches(parsed.secret, record.secretHash))
        throw invalid('unknown');
      // A code of client A at client B: refused, and A's code is left alone (B may be the thief
      // or a mistake; only the holder of A's code can replay it at A).
      if (record.clientId !== exchange.clientId) throw invalid('client');
      if (record.consumedAtMs !== null) throw await replayed(record);
      if (clock.nowMs() >= record.expiresAtMs) throw invalid('expired');
      // RFC 6749 section 4.1.3: the same redirect_uri, required when the request named one.
      if (
        exchange.redirectUri === null
          ? record.redirectUriGiven
          : exchange.redirectUri !== record.redirectUri
      )
        throw invalid('redirect_uri');
      if (!checkPkce(exchange.codeVerifier, record.codeChallenge)) throw invalid('pkce');
      if (!(await store.consumeCode(record.id, clock.nowMs()))) throw await replayed(record);
      return record;
    },

    async attach(code, sessionId) {
      const { reused } = await store.attachSession(code.id, sessionId);
      if (!reused) return;
      await revokeSession(sessionId);
      throw invalid('reused');
    },
  };
}

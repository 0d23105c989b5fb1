/**
 * Refresh tokens: opaque `<id>.<secret>` strings (256-bit secret) stored only as SHA-256 hashes.
 * Every use rotates; a consumed token presented again within the grace window gets the same new
 * pair again; presented later, it revokes the whole family (the login session).
 */
import type { Clock, RandomSource } from '../core/index.js';
import { AuthError, createOpaqueToken, parseOpaqueToken } from '../core/index.js';
import type { SessionMeta, SessionRecord, SessionService } from '../sessions/index.js';
import { hashSecret, secretMatches } from '../sessions/index.js';
import { openReplay, sealReplay } from './replay.js';
import { planRotation, type RefreshPolicy } from './rotation.js';
import type { RefreshRecord, RefreshStore } from './store.js';

/** The token endpoint's success body (RFC 6749 section 5.1). */
export interface TokenPair {
  readonly access_token: string;
  /** `DPoP` when the access token is bound to a DPoP key (RFC 9449 section 5). */
  readonly token_type: 'Bearer' | 'DPoP';
  readonly expires_in: number;
  readonly refresh_token: string;
  readonly refresh_token_expires_in: number;
  /** The granted scopes, space-separated (RFC 6749 section 5.1); absent when none. */
  readonly scope?: string;
}

/** What an access token carries besides its session: granted scopes and custom claims. */
export interface AccessExtras {
  readonly scopes: readonly string[];
  readonly claims?: Readonly<Record<string, unknown>>;
}

const NO_EXTRAS: AccessExtras = { scopes: [] };

/**
 * Signs an access token for the session, bound to `dpopJkt` when given (`cnf.jkt`); returns it
 * with its lifetime in seconds.
 */
export type AccessTokenIssuer = (
  session: SessionRecord,
  clientId: string,
  dpopJkt: string | null,
  extras: AccessExtras,
) => { token: string; expiresIn: number };

/** The DPoP side of a refresh request (RFC 9449 section 5). */
export interface RefreshBinding {
  /** The thumbprint of the key of the request's verified DPoP proof; null: no proof came. */
  readonly dpopJkt: string | null;
  /** Who asked, for the security event of a key mismatch. */
  readonly meta?: SessionMeta;
  /**
   * Decides the new access token's scopes and claims for the session, once the token, its
   * client and its key have been checked and before anything rotates; may throw (invalid_scope).
   * Absent: no scopes, no claims.
   */
  readonly authorize?: (session: SessionRecord) => Promise<AccessExtras>;
  /**
   * Claims the request's DPoP proof (single use), once the token, its client and its key have
   * been checked and before anything is issued, replayed or declared a reuse.
   */
  readonly claimProof?: () => Promise<void>;
}

export interface RefreshServiceOptions {
  readonly store: RefreshStore;
  readonly sessions: SessionService;
  readonly policy: RefreshPolicy;
  readonly issueAccessToken: AccessTokenIssuer;
  /** Called after a reuse revoked a session (for the security-event log). */
  readonly onReuse?: (session: SessionRecord) => Promise<void>;
  /** Called when a refresh of a DPoP-bound session came with another key or none (the log). */
  readonly onKeyMismatch?: (session: SessionRecord, meta: SessionMeta) => Promise<void>;
  readonly clock: Clock;
  readonly random: RandomSource;
}

export interface RefreshService {
  /** The first pair of a new token session; the access token is bound to the session's DPoP key. */
  issue(session: SessionRecord, clientId: string, extras?: AccessExtras): Promise<TokenPair>;
  /**
   * Rotates a refresh token for `clientId`, the client it was issued to (RFC 6749 section 6).
   * `expectSessionId`, when given, must be the token's session. A DPoP-bound session rotates only
   * with a proof of its key (`binding.dpopJkt`); the new access token is bound to the proof's key.
   * @throws AuthError ERR_REFRESH_INVALID, ERR_REFRESH_REUSED, ERR_REFRESH_SESSION_MISMATCH,
   *   ERR_REFRESH_CLIENT_MISMATCH (changing nothing: no rotation, no reuse, no event),
   *   ERR_DPOP_KEY_MISMATCH (changing nothing but the security event)
   */
  refresh(
    presented: unknown,
    clientId: string,
    expectSessionId?: string,
    binding?: RefreshBinding,
  ): Promise<TokenPair>;
  /** The session a refresh token belongs to, if the token is genuine (RFC 7009 revocation). */
  sessionOf(presented: unknown): Promise<string | null>;
}

const NO_META: SessionMeta = { ip: null, userAgent: null };

const invalid = () =>
  new AuthError('ERR_REFRESH_INVALID', 'the refresh token is invalid or expired');

/** Creates the refresh-token service. */
export function createRefreshService(options: RefreshServiceOptions): RefreshService {
  const { store, sessions, policy, issueAccessToken, clock, random } = options;

  const newRecord = (session: SessionRecord, now: number) => {
    const credential = createOpaqueToken(random);
    const record: RefreshRecord = {
      id: credential.id,
      sessionId: session.id,
      secretHash: hashSecret(credential.secret),
      createdAtMs: now,
      // A family never outlives its login: rotation cannot extend the session.
      expiresAtMs: Math.min(now + policy.refreshTtlMs, session.expiresAtMs),
      consumedAtMs: null,
      replayCiphertext: null,
      replayExpiresAtMs: null,
    };
    return { record, token: credential.token };
  };

  const pairFor = (
    session: SessionRecord,
    clientId: string,
    record: RefreshRecord,
    token: string,
    now: number,
    dpopJkt: string | null,
    extras: AccessExtras,
  ): TokenPair => {
    const access = issueAccessToken(session, clientId, dpopJkt, extras);
    return {
      access_token: access.token,
      token_type: dpopJkt === null ? 'Bearer' : 'DPoP',
      expires_in: access.expiresIn,
      refresh_token: token,
      refresh_token_expires_in: Math.max(0, Math.floor((record.expiresAtMs - now) / 1000)),
      ...(extras.scopes.length === 0 ? {} : { scope: extras.scopes.join(' ') }),
    };
  };

  /** Finds the record of a presented token, checking its secret in constant time. */
  const lookup = async (presented: unknown) => {
    const parsed = parseOpaqueToken(presented);
    if (parsed === null) return null;
    const record = await store.findRefreshToken(parsed.id);
    if (record === null || !secretMatches(parsed.secret, record.secretHash)) return null;
    return { record, secret: parsed.secret };
  };

  return {
    async issue(session, clientId, extras = NO_EXTRAS) {
      const now = clock.nowMs();
      const { record, token } = newRecord(session, now);
      await store.insertRefreshToken(record);
      return pairFor(session, clientId, record, token, now, session.dpopJkt ?? null, extras);
    },

    async refresh(presented, clientId, expectSessionId, binding) {
      const presentedJkt = binding?.dpopJkt ?? null;
      let proofClaimed = false;
      // Two passes at most: a lost race on the atomic consume means another request rotated it
      // a moment ago, so the second pass finds it consumed and (within the grace) replays.
      for (let attempt = 0; attempt < 2; attempt++) {
        const found = await lookup(presented);
        if (found === null) throw invalid();
        const { record, secret } = found;
        if (expectSessionId !== undefined && record.sessionId !== expectSessionId) {
          throw new AuthError(
            'ERR_REFRESH_SESSION_MISMATCH',
            'the access token belongs to another session',
          );
        }
        const session = await sessions.findActive(record.sessionId);
        // Before any decision: a token shown by another client is refused with no effect, so
        // neither a rotation nor a reuse revocation can be caused by a client it is not for.
        // Sessions from before migration 0003 are bound to no client.
        const boundTo = session?.clientId ?? null;
        if (boundTo !== null && boundTo !== clientId) {
          throw new AuthError(
            'ERR_REFRESH_CLIENT_MISMATCH',
            'the refresh token was issued to another client',
          );
        }
        // RFC 9449 section 5: the refresh tokens of a public client are bound to its DPoP key.
        // Another key, or no proof, is refused the same way: nothing rotates and no reuse is
        // declared (a thief holding a copy cannot log the owner out), but it is recorded.
        const boundJkt = session?.dpopJkt ?? null;
        if (session !== null && boundJkt !== null && presentedJkt !== boundJkt) {
          await options.onKeyMismatch?.(session, binding?.meta ?? NO_META);
          throw new AuthError(
            'ERR_DPOP_KEY_MISMATCH',
            'the refresh token is bound to another DPoP key',
            { reason: presentedJkt === null ? 'proof_missing' : 'key_mismatch' },
          );
        }
        if (!proofClaimed && binding?.claimProof !== undefined) {
          proofClaimed = true;
          await binding.claimProof();
        }
        const now = clock.nowMs();
        const plan = planRotation(record, session, now, policy);
        switch (plan.action) {
          case 'reject':
            throw invalid();
          case 'replay': {
            const text = openReplay(secret, record.id, record.replayCiphertext as string);
            if (text === null) throw invalid();
            return JSON.parse(text) as TokenPair;
          }
          case 'reuse': {
            await sessions.revoke(record.sessionId, 'refresh_reuse');
            if (options.onReuse && session !== null) await options.onReuse(session);
            throw new AuthError(
              'ERR_REFRESH_REUSED',
              'refresh token reuse detected; the session was revoked',
            );
          }
          case 'rotate': {
            const activeSession = session as SessionRecord;
            const extras = (await binding?.authorize?.(activeSession)) ?? NO_EXTRAS;
            const successor = newRecord(activeSession, now);
            const pair = pairFor(
              activeSession,
              clientId,
              successor.record,
              successor.token,
              now,
              presentedJkt,
              extras,
            );
            const replay = {
              ciphertext: sealReplay(secret, record.id, JSON.stringify(pair)),
              expiresAtMs: now + policy.reuseGraceMs,
            };
            if (await store.consumeRefreshToken(record.id, now, replay, successor.record))
              return pair;
          }
        }
      }
      throw invalid();
    },

    async sessionOf(presented) {
      const found = await lookup(presented);
      return found === null ? null : found.record.sessionId;
    },
  };
}

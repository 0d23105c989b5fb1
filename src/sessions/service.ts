/**
 * Login sessions: created at login, found by id, authenticated by secret (cookie sessions), and
 * revoked in storage. Every revocation is told to `onRevoked` (the access-token revocation
 * registry), so access tokens carrying the session id stop working the moment the session ends.
 */
import type { Clock, RandomSource } from '../core/index.js';
import { createOpaqueToken, parseOpaqueToken } from '../core/index.js';
import { checkSession, type SessionPolicy, shouldTouch } from './policy.js';
import { hashSecret, secretMatches } from './secret-hash.js';
import type { SessionKind, SessionRecord, SessionStore } from './store.js';

export interface SessionServiceOptions {
  readonly store: SessionStore;
  readonly policy: SessionPolicy;
  readonly clock: Clock;
  readonly random: RandomSource;
  /** Told of every revocation made here, with its time (the access-token revocation registry). */
  readonly onRevoked?: (sessionIds: readonly string[], atMs: number) => void;
  /**
   * Active sessions a user may hold (default 100): a login beyond it ends the oldest, so a
   * script that logs in without end cannot grow storage (or a sessions list) without end.
   */
  readonly maxPerUser?: number;
}

export interface SessionMeta {
  readonly userAgent: string | null;
  readonly ip: string | null;
}

export interface SessionService {
  /**
   * Starts a session; cookie sessions also get their `<id>.<secret>` cookie value. A token
   * session records `clientId`, the client its refresh tokens are bound to, and `dpopJkt`, the
   * DPoP key they are bound to (when the login came with a proof), and `scopes`, those granted.
   */
  start(
    userId: string,
    kind: SessionKind,
    meta: SessionMeta,
    clientId?: string,
    dpopJkt?: string | null,
    scopes?: readonly string[],
  ): Promise<{ session: SessionRecord; cookieValue: string | null }>;
  /** The active cookie session for a cookie value, or null. Renews the idle timeout. */
  authenticateCookie(cookieValue: string): Promise<SessionRecord | null>;
  /** The session if it is active now, else null. */
  findActive(id: string): Promise<SessionRecord | null>;
  list(userId: string): Promise<SessionRecord[]>;
  revoke(id: string, reason: string): Promise<boolean>;
  revokeAllForUser(userId: string, reason: string, exceptId?: string): Promise<string[]>;
  readonly policy: SessionPolicy;
}

/** Creates the session service. */
export function createSessionService(options: SessionServiceOptions): SessionService {
  const { store, policy, clock, random } = options;
  const markRevoked = (ids: readonly string[], atMs: number) => options.onRevoked?.(ids, atMs);
  const maxPerUser = options.maxPerUser ?? 100;

  return {
    policy,
    async start(userId, kind, meta, clientId, dpopJkt, scopes) {
      const now = clock.nowMs();
      const credential = createOpaqueToken(random);
      // The first character of the id names the kind, so a store split by kind (cookie sessions
      // in Redis, token sessions in SQL) finds a session without asking both. The id is not a
      // secret; the secret keeps its 256 bits.
      const id = `${kind === 'cookie' ? 'c' : 't'}${credential.id.slice(1)}`;
      const session: SessionRecord = {
        id,
        userId,
        kind,
        secretHash: kind === 'cookie' ? hashSecret(credential.secret) : null,
        createdAtMs: now,
        lastUsedAtMs: now,
        expiresAtMs: now + policy.absoluteTtlMs,
        userAgent: meta.userAgent?.slice(0, 512) ?? null,
        ip: meta.ip,
        revokedAtMs: null,
        // Cookie sessions have no OAuth client: the field stays absent.
        ...(kind === 'token'
          ? { clientId: clientId ?? null, dpopJkt: dpopJkt ?? null, scopes: scopes ?? [] }
          : {}),
      };
      await store.createSession(session);
      const active = await store.listUserSessions(userId, now);
      if (active.length > maxPerUser) {
        const oldest = [...active]
          .sort((a, b) => a.createdAtMs - b.createdAtMs)
          .slice(0, active.length - maxPerUser)
          .filter((s) => s.id !== id);
        for (const old of oldest) await store.revokeSession(old.id, now, 'session_limit');
        markRevoked(
          oldest.map((s) => s.id),
          now,
        );
      }
      return { session, cookieValue: kind === 'cookie' ? `${id}.${credential.secret}` : null };
    },

    async authenticateCookie(cookieValue) {
      const parsed = parseOpaqueToken(cookieValue);
      if (parsed === null) return null;
      const session = await store.findSession(parsed.id);
      if (session === null || session.kind !== 'cookie' || session.secretHash === null) return null;
      if (!secretMatches(parsed.secret, session.secretHash)) return null;
      const now = clock.nowMs();
      if (checkSession(session, now, policy) !== 'active') return null;
      if (shouldTouch(session, now, policy)) {
        await store.touchSession(session.id, now);
        return { ...session, lastUsedAtMs: now };
      }
      return session;
    },

    async findActive(id) {
      const session = await store.findSession(id);
      if (session === null) return null;
      return checkSession(session, clock.nowMs(), policy) === 'active' ? session : null;
    },

    list: (userId) => store.listUserSessions(userId, clock.nowMs()),

    async revoke(id, reason) {
      const now = clock.nowMs();
      const revoked = await store.revokeSession(id, now, reason);
      markRevoked([id], now);
      return revoked;
    },

    async revokeAllForUser(userId, reason, exceptId) {
      const now = clock.nowMs();
      const ids = await store.revokeUserSessions(userId, now, reason, exceptId);
      markRevoked(ids, now);
      return ids;
    },
  };
}

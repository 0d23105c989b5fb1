/**
 * Sessions split by kind: cookie sessions in one store (Redis), token sessions (refresh-token
 * families) in another (SQL, next to their refresh tokens). A session id starts with `c` for a
 * cookie session (sessions/service.ts), so each lookup asks exactly one store: token sessions
 * (refresh, bearer tokens) keep working while Redis is down.
 */
import type { SessionStore } from '../sessions/index.js';

/** The store a session id belongs to. */
const isCookieId = (id: string) => id.startsWith('c');

export function createCompositeSessionStore(
  cookieStore: SessionStore,
  tokenStore: SessionStore,
): SessionStore {
  const storeOf = (id: string) => (isCookieId(id) ? cookieStore : tokenStore);
  return {
    createSession: (s) => (s.kind === 'cookie' ? cookieStore : tokenStore).createSession(s),
    findSession: (id) => storeOf(id).findSession(id),
    touchSession: (id, nowMs) => storeOf(id).touchSession(id, nowMs),
    async listUserSessions(userId, nowMs) {
      const all = [
        ...(await cookieStore.listUserSessions(userId, nowMs)),
        ...(await tokenStore.listUserSessions(userId, nowMs)),
      ];
      return all.sort((a, b) => b.createdAtMs - a.createdAtMs);
    },
    revokeSession: (id, nowMs, reason) => storeOf(id).revokeSession(id, nowMs, reason),
    async revokeUserSessions(userId, nowMs, reason, exceptId) {
      return [
        ...(await cookieStore.revokeUserSessions(userId, nowMs, reason, exceptId)),
        ...(await tokenStore.revokeUserSessions(userId, nowMs, reason, exceptId)),
      ];
    },
    listRevokedSince: (sinceMs) => tokenStore.listRevokedSince(sinceMs),
    // Cookie sessions expire in Redis on their own.
    pruneSessions: (endedBeforeMs) => tokenStore.pruneSessions(endedBeforeMs),
  };
}

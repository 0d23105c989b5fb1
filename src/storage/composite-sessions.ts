/**
 * Sessions split by kind: cookie sessions in one store (Redis), token sessions (refresh-token
 * families) in another (SQL, next to their refresh tokens). Ids are random, so a lookup can ask
 * the cookie store first and fall back to the other.
 */
import type { SessionStore } from '../sessions/store.js';

export function createCompositeSessionStore(cookieStore: SessionStore, tokenStore: SessionStore): SessionStore {
  return {
    createSession: (s) => (s.kind === 'cookie' ? cookieStore : tokenStore).createSession(s),
    async findSession(id) {
      return (await cookieStore.findSession(id)) ?? tokenStore.findSession(id);
    },
    async touchSession(id, nowMs) {
      await cookieStore.touchSession(id, nowMs);
      await tokenStore.touchSession(id, nowMs);
    },
    async listUserSessions(userId, nowMs) {
      const all = [...(await cookieStore.listUserSessions(userId, nowMs)), ...(await tokenStore.listUserSessions(userId, nowMs))];
      return all.sort((a, b) => b.createdAtMs - a.createdAtMs);
    },
    async revokeSession(id, nowMs, reason) {
      return (await cookieStore.revokeSession(id, nowMs, reason)) || tokenStore.revokeSession(id, nowMs, reason);
    },
    async revokeUserSessions(userId, nowMs, reason, exceptId) {
      return [
        ...(await cookieStore.revokeUserSessions(userId, nowMs, reason, exceptId)),
        ...(await tokenStore.revokeUserSessions(userId, nowMs, reason, exceptId)),
      ];
    },
    listRevokedSince: (sinceMs) => tokenStore.listRevokedSince(sinceMs),
  };
}

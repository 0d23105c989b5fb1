/** gatehouse sessions: login sessions (cookie and token), their policy, and the store they need. */

export { hashSecret, secretMatches } from './secret-hash.js';
export { createSessionService, type SessionMeta, type SessionService } from './service.js';
export type { SessionKind, SessionRecord, SessionStore } from './store.js';

import { describe, expect, it } from 'vitest';
import { checkSession, type SessionPolicy, shouldTouch } from './policy.js';
import type { SessionRecord } from './store.js';

const policy: SessionPolicy = { absoluteTtlMs: 10_000, idleTtlMs: 3_000, touchIntervalMs: 1_000 };
const session: SessionRecord = {
  id: 's',
  userId: 'u',
  kind: 'cookie',
  secretHash: 'h',
  createdAtMs: 0,
  lastUsedAtMs: 0,
  expiresAtMs: 10_000,
  userAgent: null,
  ip: null,
  revokedAtMs: null,
};

describe('session policy', () => {
  it('idle timeout: active one ms before, idle at the edge', () => {
    expect(checkSession(session, 2_999, policy)).toBe('active');
    expect(checkSession(session, 3_000, policy)).toBe('idle');
    expect(checkSession({ ...session, lastUsedAtMs: 2_000 }, 3_000, policy)).toBe('active');
  });

  it('absolute timeout wins over recent use; token sessions have no idle timeout', () => {
    expect(checkSession({ ...session, lastUsedAtMs: 9_999 }, 10_000, policy)).toBe('expired');
    expect(checkSession({ ...session, kind: 'token' }, 9_999, policy)).toBe('active');
  });

  it('revoked is revoked', () => {
    expect(checkSession({ ...session, revokedAtMs: 1 }, 2, policy)).toBe('revoked');
  });

  it('touches at most once per interval', () => {
    expect(shouldTouch(session, 999, policy)).toBe(false);
    expect(shouldTouch(session, 1_000, policy)).toBe(true);
  });
});

import { describe, expect, it } from 'vitest';
import {
  checkRetirement,
  planSigningKey,
  type RetirementPolicy,
  type StoredSigningKey,
} from './key-store.js';

const T = 1_800_000_000_000;
const key = (kid: string, createdAtMs: number, signsFromMs?: number | null): StoredSigningKey => ({
  kid,
  privateJwk: '{}',
  createdAtMs,
  ...(signsFromMs === undefined ? {} : { signsFromMs }),
});
const policy: RetirementPolicy = { accessTokenTtlMs: 3_600_000, syncIntervalMs: 2_000 };

describe('planSigningKey', () => {
  it('a rotated key signs from its signsFromMs, not before (both edges)', () => {
    const keys = [key('new', T + 1000, T + 61_000), key('old', T, null)];
    expect(planSigningKey(keys, T + 60_999)?.kid).toBe('old');
    expect(planSigningKey(keys, T + 61_000)?.kid).toBe('new');
  });

  it('keys without signsFromMs (before migration 0003) sign from their creation', () => {
    const keys = [key('b', T + 10), key('a', T)];
    expect(planSigningKey(keys, T + 9)?.kid).toBe('a');
    expect(planSigningKey(keys, T + 10)?.kid).toBe('b');
  });

  it('the newest by creation wins, whatever the order of activation', () => {
    // Rotated with 60 s, then again at once with --delay=0: the later rotation signs and keeps
    // signing when the earlier one's time comes.
    const keys = [
      key('now', T + 10_000, T + 10_000),
      key('delayed', T, T + 60_000),
      key('first', 0),
    ];
    expect(planSigningKey(keys, T + 10_000)?.kid).toBe('now');
    expect(planSigningKey(keys, T + 60_000)?.kid).toBe('now');
    expect(planSigningKey([...keys].reverse(), T + 60_000)?.kid).toBe('now');
  });

  it('of keys created in the same millisecond, the one that signs later is the rotation', () => {
    const keys = [key('a-initial', T, null), key('z-rotated', T, T + 60_000)];
    expect(planSigningKey(keys, T + 59_999)?.kid).toBe('a-initial');
    expect(planSigningKey(keys, T + 60_000)?.kid).toBe('z-rotated');
    expect(planSigningKey([...keys].reverse(), T + 60_000)?.kid).toBe('z-rotated');
    expect(checkRetirement(keys, 'a-initial', T + 60_000, policy).verdict).toBe('wait');
  });

  it('when no key may sign yet (the signer was retired by force), the first to come signs', () => {
    const keys = [key('later', T + 2, T + 90_000), key('sooner', T + 1, T + 30_000)];
    expect(planSigningKey(keys, T)?.kid).toBe('sooner');
    expect(planSigningKey([], T)).toBeUndefined();
  });
});

describe('checkRetirement', () => {
  // old signed until new began at T + 60 s; instances switch within one sync tick; its last
  // token lives one access-token lifetime more.
  const keys = [key('new', T, T + 60_000), key('old', T - 1000, null)];
  const safeFrom = T + 60_000 + 2_000 + 3_600_000;

  it('refuses the key that signs now, before and after its successor was stored', () => {
    expect(checkRetirement([key('only', T)], 'only', T, policy)).toEqual({ verdict: 'signing' });
    expect(checkRetirement(keys, 'old', T + 59_999, policy)).toEqual({ verdict: 'signing' });
    expect(checkRetirement(keys, 'new', T + 60_000, policy)).toEqual({ verdict: 'signing' });
  });

  it('waits one access-token lifetime and one sync tick after the successor began (both edges)', () => {
    expect(checkRetirement(keys, 'old', T + 60_000, policy)).toEqual({
      verdict: 'wait',
      untilMs: safeFrom,
      replacedAtMs: T + 60_000,
    });
    expect(checkRetirement(keys, 'old', safeFrom - 1, policy).verdict).toBe('wait');
    expect(checkRetirement(keys, 'old', safeFrom, policy)).toEqual({ verdict: 'retire' });
  });

  it('counts from the first newer key that began signing, not the latest', () => {
    const three = [key('c', T + 2, T + 500_000), key('b', T + 1, T + 100_000), key('a', T, null)];
    const at = T + 600_000;
    expect(checkRetirement(three, 'a', at, policy)).toMatchObject({
      verdict: 'wait',
      replacedAtMs: T + 100_000,
    });
  });

  it('a key that has not begun signing signed nothing: it may go; an unknown kid is unknown', () => {
    expect(checkRetirement(keys, 'new', T + 59_999, policy)).toEqual({ verdict: 'retire' });
    expect(checkRetirement(keys, 'missing', T, policy)).toEqual({ verdict: 'unknown' });
  });
});

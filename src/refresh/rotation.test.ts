import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { SessionRecord } from '../sessions/store.js';
import { planRotation, type RefreshPolicy, type RotationPlan } from './rotation.js';
import type { RefreshRecord } from './store.js';

const GRACE = 10_000;
const policy: RefreshPolicy = Object.freeze({ refreshTtlMs: 100_000, reuseGraceMs: GRACE });

function sessionWith(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return Object.freeze({
    id: 's1',
    userId: 'u1',
    kind: 'token',
    secretHash: null,
    createdAtMs: 0,
    lastUsedAtMs: 0,
    expiresAtMs: 1_000_000,
    userAgent: null,
    ip: null,
    revokedAtMs: null,
    ...overrides,
  });
}

/** A token issued at 0, valid until 100_000, never used. */
function freshWith(overrides: Partial<RefreshRecord> = {}): RefreshRecord {
  return Object.freeze({
    id: 'r1',
    sessionId: 's1',
    secretHash: 'h',
    createdAtMs: 0,
    expiresAtMs: 100_000,
    consumedAtMs: null,
    replayCiphertext: null,
    replayExpiresAtMs: null,
    ...overrides,
  });
}

const CONSUMED_AT = 50_000;

/** The same token consumed at 50_000, its successor's response held for the grace window. */
function consumedWith(overrides: Partial<RefreshRecord> = {}): RefreshRecord {
  return freshWith({
    consumedAtMs: CONSUMED_AT,
    replayCiphertext: 'sealed-successor-response',
    // What the service stores: consumed time + grace.
    replayExpiresAtMs: CONSUMED_AT + GRACE,
    ...overrides,
  });
}

const ROTATE: RotationPlan = { action: 'rotate' };
const REPLAY: RotationPlan = { action: 'replay' };
const REUSE: RotationPlan = { action: 'reuse' };
const SESSION_ENDED: RotationPlan = { action: 'reject', reason: 'session_ended' };
const EXPIRED: RotationPlan = { action: 'reject', reason: 'expired' };

interface Case {
  readonly name: string;
  readonly record: RefreshRecord;
  readonly session: SessionRecord | null;
  readonly nowMs: number;
  readonly policy?: RefreshPolicy;
  readonly expected: RotationPlan;
}

const cases: readonly Case[] = [
  // rotate
  {
    name: 'unused token at issue time',
    record: freshWith(),
    session: sessionWith(),
    nowMs: 0,
    expected: ROTATE,
  },
  {
    name: 'unused token 1 ms before its expiry',
    record: freshWith(),
    session: sessionWith(),
    nowMs: 99_999,
    expected: ROTATE,
  },
  {
    name: 'unused token 1 ms before the session absolute end',
    record: freshWith({ expiresAtMs: 80_000 }),
    session: sessionWith({ expiresAtMs: 80_000 }),
    nowMs: 79_999,
    expected: ROTATE,
  },

  // reject: the token expired
  {
    name: 'unused token exactly at its expiry',
    record: freshWith(),
    session: sessionWith(),
    nowMs: 100_000,
    expected: EXPIRED,
  },
  {
    name: 'unused token long after its expiry',
    record: freshWith(),
    session: sessionWith(),
    nowMs: 500_000,
    expected: EXPIRED,
  },
  {
    name: 'consumed token inside the grace window but past its own expiry',
    record: consumedWith({ expiresAtMs: CONSUMED_AT + 1 }),
    session: sessionWith(),
    nowMs: CONSUMED_AT + 1,
    expected: EXPIRED,
  },
  {
    name: 'consumed token after the grace window and past its own expiry',
    record: consumedWith(),
    session: sessionWith(),
    nowMs: 100_000,
    expected: EXPIRED,
  },

  // reject: the session (family) ended
  {
    name: 'no session (deleted, or not active)',
    record: freshWith(),
    session: null,
    nowMs: 1,
    expected: SESSION_ENDED,
  },
  {
    name: 'revoked session',
    record: freshWith(),
    session: sessionWith({ revokedAtMs: 5 }),
    nowMs: 10,
    expected: SESSION_ENDED,
  },
  {
    name: 'session revoked at this very ms',
    record: freshWith(),
    session: sessionWith({ revokedAtMs: 10 }),
    nowMs: 10,
    expected: SESSION_ENDED,
  },
  {
    name: 'session exactly at its absolute end',
    record: freshWith({ expiresAtMs: 80_000 }),
    session: sessionWith({ expiresAtMs: 80_000 }),
    nowMs: 80_000,
    expected: SESSION_ENDED,
  },
  {
    name: 'session past its absolute end while the token itself is still valid',
    record: freshWith(),
    session: sessionWith({ expiresAtMs: 60_000 }),
    nowMs: 60_000,
    expected: SESSION_ENDED,
  },
  {
    name: 'session ended outranks token expiry',
    record: freshWith(),
    session: null,
    nowMs: 500_000,
    expected: SESSION_ENDED,
  },
  {
    // A family already revoked (for example by an earlier reuse) is not revoked again.
    name: 'revoked session outranks a replayable repeat',
    record: consumedWith(),
    session: sessionWith({ revokedAtMs: CONSUMED_AT }),
    nowMs: CONSUMED_AT + 1,
    expected: SESSION_ENDED,
  },
  {
    name: 'no session outranks reuse',
    record: consumedWith(),
    session: null,
    nowMs: CONSUMED_AT + GRACE,
    expected: SESSION_ENDED,
  },

  // replay
  {
    name: 'repeat at the very ms of consumption',
    record: consumedWith(),
    session: sessionWith(),
    nowMs: CONSUMED_AT,
    expected: REPLAY,
  },
  {
    name: 'repeat 1 ms before the grace window ends',
    record: consumedWith(),
    session: sessionWith(),
    nowMs: CONSUMED_AT + GRACE - 1,
    expected: REPLAY,
  },
  {
    name: 'repeat 1 ms before the held replay expires (earlier than the grace window)',
    record: consumedWith({ replayExpiresAtMs: CONSUMED_AT + 4_000 }),
    session: sessionWith(),
    nowMs: CONSUMED_AT + 3_999,
    expected: REPLAY,
  },

  // reuse
  {
    name: 'repeat exactly when the grace window ends',
    record: consumedWith(),
    session: sessionWith(),
    nowMs: CONSUMED_AT + GRACE,
    expected: REUSE,
  },
  {
    name: 'repeat well after the grace window, token still valid',
    record: consumedWith(),
    session: sessionWith(),
    nowMs: 99_999,
    expected: REUSE,
  },
  {
    name: 'grace window still open, but the held replay expired exactly now',
    record: consumedWith({ replayExpiresAtMs: CONSUMED_AT + 4_000 }),
    session: sessionWith(),
    nowMs: CONSUMED_AT + 4_000,
    expected: REUSE,
  },
  {
    name: 'held replay still valid, but the grace window ended exactly now',
    record: consumedWith({ replayExpiresAtMs: CONSUMED_AT + GRACE + 5_000 }),
    session: sessionWith(),
    nowMs: CONSUMED_AT + GRACE,
    expected: REUSE,
  },
  {
    name: 'consumed inside the grace window without replay ciphertext',
    record: consumedWith({ replayCiphertext: null }),
    session: sessionWith(),
    nowMs: CONSUMED_AT + 1,
    expected: REUSE,
  },
  {
    name: 'consumed inside the grace window without a replay expiry',
    record: consumedWith({ replayExpiresAtMs: null }),
    session: sessionWith(),
    nowMs: CONSUMED_AT + 1,
    expected: REUSE,
  },
  {
    name: 'consumed with no replay held at all',
    record: consumedWith({ replayCiphertext: null, replayExpiresAtMs: null }),
    session: sessionWith(),
    nowMs: CONSUMED_AT,
    expected: REUSE,
  },
  {
    name: 'zero grace: even a same-ms repeat is reuse',
    record: consumedWith({ replayExpiresAtMs: CONSUMED_AT + 1 }),
    session: sessionWith(),
    nowMs: CONSUMED_AT,
    policy: { refreshTtlMs: 100_000, reuseGraceMs: 0 },
    expected: REUSE,
  },
];

describe('planRotation', () => {
  it.each(cases)('$name', (c) => {
    const before = { record: { ...c.record }, session: c.session && { ...c.session } };
    expect(planRotation(c.record, c.session, c.nowMs, c.policy ?? policy)).toEqual(c.expected);
    // Pure: the inputs are left as they were.
    expect(c.record).toEqual(before.record);
    expect(c.session).toEqual(before.session);
  });

  it('never rotates a consumed token; with no session, only session_ended', () => {
    const time = fc.integer({ min: 0, max: 2_000_000 });
    const maybeTime = fc.option(time, { nil: null });
    fc.assert(
      fc.property(
        time,
        time,
        time,
        maybeTime,
        fc.option(fc.constant('ct'), { nil: null }),
        fc.integer({ min: 0, max: 100_000 }),
        fc.boolean(),
        (nowMs, consumedAtMs, expiresAtMs, replayExpiresAtMs, replayCiphertext, grace, alive) => {
          const record = freshWith({
            consumedAtMs,
            expiresAtMs,
            replayExpiresAtMs,
            replayCiphertext,
          });
          const p = { refreshTtlMs: 100_000, reuseGraceMs: grace };
          const plan = planRotation(record, alive ? sessionWith() : null, nowMs, p);
          expect(plan.action).not.toBe('rotate');
          if (!alive) expect(plan).toEqual(SESSION_ENDED);
          if (plan.action === 'replay') {
            // Only while both windows are open and a ciphertext is held.
            expect(nowMs - consumedAtMs).toBeLessThan(grace);
            expect(replayCiphertext).not.toBeNull();
            expect(nowMs).toBeLessThan(replayExpiresAtMs as number);
          }
        },
      ),
    );
  });
});

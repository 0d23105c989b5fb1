import { describe, expect, it } from 'vitest';
import {
  ACCOUNT_ADDRESS_POLICY,
  ACCOUNT_POLICY,
  checkLimit,
  type LimitState,
  planFailure,
  planRefund,
  planReservation,
} from './policy.js';

const policy = ACCOUNT_ADDRESS_POLICY;

describe('throttle policy', () => {
  it('lets the free attempts through, then doubles the delay up to the cap', () => {
    let state: LimitState | null = null;
    const delays: number[] = [];
    for (let i = 0; i < 16; i++) {
      state = planFailure(state, 1000, policy);
      delays.push(checkLimit(state, 1000));
    }
    expect(delays.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(delays.slice(5, 9)).toEqual([1000, 2000, 4000, 8000]);
    expect(Math.max(...delays)).toBe(policy.maxDelayMs);
  });

  it('a block ends exactly at its time, and a new window starts fresh', () => {
    let state: LimitState | null = null;
    for (let i = 0; i < 6; i++) state = planFailure(state, 0, policy);
    expect(checkLimit(state, 999)).toBe(1);
    expect(checkLimit(state, 1000)).toBe(0);
    const later = planFailure(state, policy.windowMs, policy);
    expect(later.failures).toBe(1);
    expect(checkLimit(later, policy.windowMs)).toBe(0);
  });

  it('the account budget over all addresses: 20 free, and never more than a minute', () => {
    let state: LimitState | null = null;
    for (let i = 0; i < 20; i++) state = planFailure(state, 0, ACCOUNT_POLICY);
    expect(checkLimit(state, 0)).toBe(0);
    for (let i = 0; i < 30; i++) state = planFailure(state, 0, ACCOUNT_POLICY);
    expect(checkLimit(state, 0)).toBe(60_000);
  });
});

describe('reservations', () => {
  it('counts an allowed attempt at once and says when it started a block', () => {
    let state: LimitState | null = null;
    for (let i = 1; i <= 5; i++) {
      const r = planReservation(state, 0, policy);
      expect(r).toEqual({
        allowed: true,
        state: { failures: i, windowStartedAtMs: 0, blockedUntilMs: 0 },
        startedBlock: false,
      });
      if (r.allowed) state = r.state;
    }
    const sixth = planReservation(state, 0, policy);
    expect(sixth).toEqual({
      allowed: true,
      state: { failures: 6, windowStartedAtMs: 0, blockedUntilMs: 1000 },
      startedBlock: true,
    });
  });

  it('refuses while blocked without changing the state, and allows again at the block end', () => {
    const blocked: LimitState = { failures: 6, windowStartedAtMs: 0, blockedUntilMs: 1000 };
    expect(planReservation(blocked, 999, policy)).toEqual({
      allowed: false,
      state: blocked,
      retryAfterMs: 1,
    });
    const after = planReservation(blocked, 1000, policy);
    expect(after).toEqual({
      allowed: true,
      state: { failures: 7, windowStartedAtMs: 0, blockedUntilMs: 3000 },
      startedBlock: true,
    });
  });

  it('a refund gives one slot back, never below zero, and keeps a block', () => {
    expect(planRefund(null)).toBeNull();
    const state: LimitState = { failures: 2, windowStartedAtMs: 5, blockedUntilMs: 9 };
    expect(planRefund(state)).toEqual({ failures: 1, windowStartedAtMs: 5, blockedUntilMs: 9 });
    const zero: LimitState = { failures: 0, windowStartedAtMs: 5, blockedUntilMs: 9 };
    expect(planRefund(zero)).toBe(zero);
  });

  it('after refunds to zero, the next attempt starts a new window', () => {
    const zero: LimitState = { failures: 0, windowStartedAtMs: 5, blockedUntilMs: 0 };
    const r = planReservation(zero, 100, policy);
    expect(r.allowed && r.state).toEqual({
      failures: 1,
      windowStartedAtMs: 100,
      blockedUntilMs: 0,
    });
  });
});

import { describe, expect, it } from 'vitest';
import { ACCOUNT_POLICY, checkLimit, planFailure } from './policy.js';

describe('login limit policy', () => {
  it('lets the free failures through, then doubles the delay up to the cap', () => {
    let state = null;
    const delays: number[] = [];
    for (let i = 0; i < 16; i++) {
      state = planFailure(state, 1000, ACCOUNT_POLICY);
      delays.push(checkLimit(state, 1000));
    }
    expect(delays.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(delays.slice(5, 9)).toEqual([1000, 2000, 4000, 8000]);
    expect(Math.max(...delays)).toBe(ACCOUNT_POLICY.maxDelayMs);
  });

  it('a block ends exactly at its time, and a new window starts fresh', () => {
    let state = null;
    for (let i = 0; i < 6; i++) state = planFailure(state, 0, ACCOUNT_POLICY);
    expect(checkLimit(state, 999)).toBe(1);
    expect(checkLimit(state, 1000)).toBe(0);
    const later = planFailure(state, ACCOUNT_POLICY.windowMs, ACCOUNT_POLICY);
    expect(later.failures).toBe(1);
    expect(checkLimit(later, ACCOUNT_POLICY.windowMs)).toBe(0);
  });
});

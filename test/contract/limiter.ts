/**
 * The limiter contract every backend passes (SQLite, PostgreSQL, Redis): reservations equal the
 * pure planReservation step for step, parallel reservations are counted one after the other (a
 * burst of 100 lets through exactly the free attempts plus the one that starts the block), and
 * refunds and pruning do what they say.
 */
import { expect } from 'vitest';
import {
  ACCOUNT_ADDRESS_POLICY,
  type LimitState,
  type LimitStore,
  LONGEST_WINDOW_MS,
  planRefund,
  planReservation,
} from '../../src/limits/index.js';

export async function checkLimiterContract(
  limits: LimitStore,
  T: number,
  options: { prunes: boolean },
): Promise<void> {
  const policy = ACCOUNT_ADDRESS_POLICY;
  // 1. Step for step against the model: blocked attempts change nothing, windows restart.
  let model: LimitState | null = null;
  const times = [T, T, T, T, T, T, T + 10, T + 999, T + 1000, T + 1000, T + 2999, T + 3000];
  times.push(T + policy.windowMs + 5000, T + policy.windowMs + 5001);
  for (const [i, now] of times.entries()) {
    const expected = planReservation(model, now, policy);
    const got = await limits.reserve('seq', now, policy);
    expect(got, `step ${i} at +${now - T}`).toEqual(expected);
    if (expected.allowed) model = expected.state;
    if (i === 3) {
      await limits.refund('seq');
      model = planRefund(model);
    }
  }
  expect(await limits.getLimit('seq')).toEqual(model);

  // 2. 100 reservations at once: exactly freeFailures + 1 pass (the last of them starts the block).
  const results = await Promise.all(
    Array.from({ length: 100 }, () => limits.reserve('burst', T, policy)),
  );
  expect(results.filter((r) => r.allowed)).toHaveLength(policy.freeFailures + 1);
  expect(results.filter((r) => r.allowed && r.startedBlock)).toHaveLength(1);
  expect(await limits.getLimit('burst')).toEqual({
    failures: policy.freeFailures + 1,
    windowStartedAtMs: T,
    blockedUntilMs: T + policy.baseDelayMs,
  });

  // 3. Refunds give slots back one by one, never below zero; delete clears.
  await Promise.all(Array.from({ length: 3 }, () => limits.refund('burst')));
  expect((await limits.getLimit('burst'))?.failures).toBe(policy.freeFailures - 2);
  await limits.deleteLimit('burst');
  expect(await limits.getLimit('burst')).toBeNull();
  await limits.refund('never-seen');
  expect((await limits.getLimit('never-seen'))?.failures ?? 0).toBe(0);

  // 4. A known address reads back as a zero-failure state until its time.
  await limits.markKnown('known', T, T + 5000);
  expect(await limits.getLimit('known')).toEqual({
    failures: 0,
    windowStartedAtMs: T,
    blockedUntilMs: T + 5000,
  });
  await limits.markKnown('known', T + 10, T + 9000);
  expect((await limits.getLimit('known'))?.blockedUntilMs).toBe(T + 9000);

  // 5. Pruning drops only keys whose window (the longest) and block are over.
  if (options.prunes) {
    const late = T + 10 * LONGEST_WINDOW_MS;
    await limits.markKnown('still-known', late - LONGEST_WINDOW_MS - 1, late + 1);
    await limits.reserve('fresh', late, policy);
    await limits.reserve('stale', late - LONGEST_WINDOW_MS - 1, policy);
    const pruned = await limits.pruneLimits(late);
    expect(pruned).toBeGreaterThanOrEqual(1);
    expect(await limits.getLimit('stale')).toBeNull();
    expect(await limits.getLimit('fresh')).not.toBeNull();
    expect(await limits.getLimit('still-known')).not.toBeNull();
    expect(await limits.getLimit('known')).toBeNull();
  } else {
    expect(await limits.pruneLimits(T + 10 * LONGEST_WINDOW_MS)).toBe(0);
  }
}

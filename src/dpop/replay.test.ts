/** The in-memory replay cache: single use until expiry, its bound, and concurrent claims. */
import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/index.js';
import { createMemoryReplayCache } from './replay.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);

describe('createMemoryReplayCache', () => {
  it('true the first time, false while the entry lives, true again once it expired', async () => {
    const clock = createFixedClock(T0);
    const cache = createMemoryReplayCache({ clock });
    expect(await cache.claim('k', T0 + 1000)).toBe(true);
    expect(await cache.claim('k', T0 + 5000)).toBe(false);
    clock.advanceMs(999);
    expect(await cache.claim('k', T0 + 5000)).toBe(false);
    clock.advanceMs(1);
    // expiresAtMs is exclusive: at T0 + 1000 the entry is gone.
    expect(await cache.claim('k', T0 + 5000)).toBe(true);
    expect(await cache.claim('other', T0 + 5000)).toBe(true);
  });

  it('one key holds at most maxEntriesPerKey live entries; the others still claim', async () => {
    const clock = createFixedClock(T0);
    const cache = createMemoryReplayCache({ clock, maxEntries: 10, maxEntriesPerKey: 3 });
    for (const jti of ['1', '2', '3'])
      expect(await cache.claim(`flood.${jti}`, T0 + 5000)).toBe(true);
    await expect(cache.claim('flood.4', T0 + 5000)).rejects.toMatchObject({
      code: 'ERR_DPOP_REPLAY_CACHE_FULL',
      details: { reason: 'key_quota' },
    });
    expect(await cache.claim('victim.1', T0 + 5000)).toBe(true);
    expect(cache.size).toBe(4);
    // Once the flood's entries expire, the key claims again (after the once-a-second sweep).
    clock.advanceMs(5000);
    expect(await cache.claim('flood.4', T0 + 10_000)).toBe(true);
    // The default quota is a tenth of the cache.
    const small = createMemoryReplayCache({ clock, maxEntries: 20 });
    for (let i = 0; i < 2; i++) expect(await small.claim(`k.${i}`, T0 + 60_000)).toBe(true);
    await expect(small.claim('k.2', T0 + 60_000)).rejects.toMatchObject({
      details: { reason: 'key_quota' },
    });
  });

  it('full of live entries: refuses (never evicts), with the wait until the first expires', async () => {
    const clock = createFixedClock(T0);
    const cache = createMemoryReplayCache({ clock, maxEntries: 3 });
    for (const [k, ttl] of [
      ['a', 10_000],
      ['b', 4_000],
      ['c', 30_000],
    ] as const)
      expect(await cache.claim(k, T0 + ttl)).toBe(true);
    await expect(cache.claim('d', T0 + 60_000)).rejects.toMatchObject({
      code: 'ERR_DPOP_REPLAY_CACHE_FULL',
      details: { retryAfterSeconds: 4 },
    });
    // The live entries are all still there: their replays are still refused.
    for (const k of ['a', 'b', 'c']) expect(await cache.claim(k, T0 + 60_000)).toBe(false);
    expect(cache.size).toBe(3);
    clock.advanceMs(4_000);
    // 'b' expired: its place is taken, and 'b' itself may be claimed again only when there is room.
    expect(await cache.claim('d', T0 + 60_000)).toBe(true);
    await expect(cache.claim('e', T0 + 60_000)).rejects.toMatchObject({
      code: 'ERR_DPOP_REPLAY_CACHE_FULL',
    });
    expect(cache.size).toBe(3);
  });

  it('expired entries leave the front as claims go by: the map does not grow with traffic', async () => {
    const clock = createFixedClock(T0);
    const cache = createMemoryReplayCache({ clock, maxEntries: 1000 });
    for (let i = 0; i < 500; i++) {
      expect(await cache.claim(`k${i}`, clock.nowMs() + 100)).toBe(true);
      clock.advanceMs(10);
    }
    // At most the last 100 ms of entries are live; the prune keeps the rest from piling up.
    expect(cache.size).toBeLessThanOrEqual(12);
  });

  it('of 50 concurrent claims of one key, exactly one wins', async () => {
    const cache = createMemoryReplayCache({ clock: createFixedClock(T0) });
    const results = await Promise.all(
      Array.from({ length: 50 }, () => cache.claim('same', T0 + 60_000)),
    );
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  it('refuses a bound that is not a positive integer', () => {
    for (const maxEntries of [0, -1, 1.5, Number.NaN])
      expect(() => createMemoryReplayCache({ maxEntries })).toThrow(
        expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
      );
  });
});

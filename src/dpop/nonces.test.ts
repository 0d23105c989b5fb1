/** Stateless server nonces: stable within a window, accepted for the next, then refused. */
import { describe, expect, it } from 'vitest';
import { createFixedClock } from '../core/index.js';
import { createDpopNonces } from './nonces.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const SECRET = new Uint8Array(32).fill(3);

describe('createDpopNonces', () => {
  it('one nonce per window, NQCHARs only, unpredictable length-43 base64url', () => {
    const clock = createFixedClock(T0);
    const nonces = createDpopNonces({ secret: SECRET, clock });
    const first = nonces.current();
    expect(first).toMatch(/^[A-Za-z0-9_-]{43}$/);
    clock.advanceMs(59_999);
    expect(nonces.current()).toBe(first);
    clock.advanceMs(1);
    expect(nonces.current()).not.toBe(first);
  });

  it('accepted in its window and the next, until the start of the one after', () => {
    const clock = createFixedClock(T0);
    const nonces = createDpopNonces({ secret: SECRET, clock, windowSeconds: 60 });
    const window = Math.floor(T0 / 60_000);
    const nonce = nonces.current();
    expect(nonces.validUntilMs(nonce)).toBe((window + 2) * 60_000);
    clock.setMs((window + 1) * 60_000);
    expect(nonces.validUntilMs(nonce)).toBe((window + 2) * 60_000);
    clock.setMs((window + 2) * 60_000 - 1);
    expect(nonces.validUntilMs(nonce)).toBe((window + 2) * 60_000);
    clock.setMs((window + 2) * 60_000);
    expect(nonces.validUntilMs(nonce)).toBeNull();
  });

  it('a nonce of a window not yet begun, of another secret, or made up is refused', () => {
    const clock = createFixedClock(T0);
    const nonces = createDpopNonces({ secret: SECRET, clock });
    clock.advanceMs(60_000);
    const next = nonces.current();
    clock.advanceMs(-60_000);
    expect(nonces.validUntilMs(next)).toBeNull();
    const other = createDpopNonces({ secret: new Uint8Array(32).fill(4), clock });
    expect(nonces.validUntilMs(other.current())).toBeNull();
    for (const made of ['', 'x', nonces.current().slice(1), `${nonces.current()}x`])
      expect(nonces.validUntilMs(made)).toBeNull();
  });

  it('two instances with one secret issue and accept the same nonces', () => {
    const clock = createFixedClock(T0);
    const a = createDpopNonces({ secret: SECRET, clock });
    const b = createDpopNonces({ secret: Uint8Array.from(SECRET), clock });
    expect(a.current()).toBe(b.current());
    expect(b.validUntilMs(a.current())).not.toBeNull();
  });

  it('refuses a secret under 32 bytes and a bad window', () => {
    expect(() => createDpopNonces({ secret: new Uint8Array(31) })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
    expect(() => createDpopNonces({ secret: SECRET, windowSeconds: 0 })).toThrow(
      expect.objectContaining({ code: 'ERR_CONFIG_INVALID' }),
    );
  });
});

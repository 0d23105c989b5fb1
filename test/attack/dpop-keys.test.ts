/**
 * A DPoP proof's key is chosen by whoever sends it and is imported before anything else is
 * checked, so the key itself must not be a way to spend our CPU: an RSA key with a huge public
 * exponent (each signature check a modular exponentiation that long: ~13 ms with a 3064-bit
 * exponent) is refused as `jwk`, even when the proof is correctly signed with it.
 */
import { describe, expect, it } from 'vitest';
import { AuthError, createFixedClock } from '../../src/core/index.js';
import { createDpopVerifier, createMemoryReplayCache } from '../../src/dpop/index.js';
import { makeProof } from '../support/dpop.js';
import { createRsaKeyWithExponent, randomExponent } from '../support/rsa-exponent.js';

const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const URL_ = 'https://api.test/orders';

describe('DPoP proof keys with a huge RSA public exponent', () => {
  it.each([
    ['RS256', 3064],
    ['PS256', 3064],
    ['RS256', 33],
  ] as const)(
    '%s, a %i-bit exponent: refused as jwk, though the proof is signed with the key',
    async (alg, bits) => {
      const clock = createFixedClock(T0);
      const verifier = createDpopVerifier({ replay: createMemoryReplayCache({ clock }), clock });
      const key = await createRsaKeyWithExponent(alg, () => randomExponent(bits));
      const proof = await makeProof(key, { htm: 'GET', htu: URL_, nowMs: T0 });
      const refusal = await verifier.verify({ proof, method: 'GET', url: URL_ }).then(
        () => null,
        (error: unknown) => error,
      );
      expect(refusal).toBeInstanceOf(AuthError);
      expect([(refusal as AuthError).code, (refusal as AuthError).details]).toEqual([
        'ERR_DPOP_PROOF_INVALID',
        { reason: 'jwk' },
      ]);
    },
  );

  it('a 32-bit exponent (the ceiling, 2^32 - 1 at most) is still taken', async () => {
    const clock = createFixedClock(T0);
    const verifier = createDpopVerifier({ replay: createMemoryReplayCache({ clock }), clock });
    const key = await createRsaKeyWithExponent('RS256', () => randomExponent(32));
    const proof = await makeProof(key, { htm: 'GET', htu: URL_, nowMs: T0 });
    expect((await verifier.verify({ proof, method: 'GET', url: URL_ })).jkt).toBe(key.jkt);
  });
});

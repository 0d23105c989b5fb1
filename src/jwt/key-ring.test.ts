import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/errors.js';
import { createFixedClock } from '../core/clock.js';
import { publicKeyOf } from './key-export.js';
import { generateJwtKey } from './key-generate.js';
import { createKeyRing } from './key-ring.js';
import { createJwtSigner } from './sign.js';
import { createJwtVerifier } from './verify.js';

const clock = createFixedClock(1_700_000_000_000);

describe('key ring', () => {
  it('rotates: new tokens use the new key, old tokens verify until their key is removed', () => {
    const first = generateJwtKey('ES256', { kid: 'k1' });
    const ring = createKeyRing({ signingKey: first });
    const signer = createJwtSigner({ key: ring, ttlSeconds: 600, clock });
    const verifier = createJwtVerifier({ keys: ring, clock });
    const oldToken = signer.sign({ sub: 'u' });

    const second = generateJwtKey('ES256', { kid: 'k2' });
    const generation = ring.generation;
    ring.add(second);
    ring.setSigningKey('k2');
    expect(ring.generation).toBe(generation + 2);
    const newToken = signer.sign({ sub: 'u' });
    expect(verifier.verify(newToken).header.kid).toBe('k2');
    expect(verifier.verify(oldToken).header.kid).toBe('k1');

    expect(ring.remove('k1')).toBe(true);
    expect(codeOf(() => verifier.verify(oldToken))).toBe('ERR_JWS_KEY_NOT_FOUND');
    expect(verifier.verify(newToken).payload.sub).toBe('u');
    expect(ring.list().map((k) => k.kid)).toEqual(['k2']);
  });

  it('refuses to remove the signing key, duplicate kids, and a public signing key', () => {
    const key = generateJwtKey('ES256', { kid: 'k1' });
    const ring = createKeyRing({ signingKey: key });
    expect(codeOf(() => ring.remove('k1'))).toBe('ERR_KEYRING_INVALID');
    expect(codeOf(() => ring.add(generateJwtKey('ES256', { kid: 'k1' })))).toBe(
      'ERR_KEYRING_INVALID',
    );
    expect(codeOf(() => createKeyRing({ signingKey: publicKeyOf(key) }))).toBe(
      'ERR_KEYRING_INVALID',
    );
    ring.add(publicKeyOf(generateJwtKey('ES256', { kid: 'pub' })));
    expect(codeOf(() => ring.setSigningKey('pub'))).toBe('ERR_KEYRING_INVALID');
    expect(codeOf(() => ring.setSigningKey('missing'))).toBe('ERR_KEYRING_INVALID');
    expect(ring.remove('missing')).toBe(false);
    expect(ring.signingKey()?.kid).toBe('k1');
  });

  it('finds a key without kid only when it is the single key of that algorithm', () => {
    const a = generateJwtKey('ES256', { kid: 'a' });
    const ring = createKeyRing({ verificationKeys: [a, generateJwtKey('HS256', { kid: 'h' })] });
    expect(ring.soleKeyFor('ES256')).toBe(a);
    ring.add(generateJwtKey('ES256', { kid: 'b' }));
    expect(ring.soleKeyFor('ES256')).toBeUndefined();
    expect(ring.soleKeyFor('HS256')?.kid).toBe('h');
    expect([...ring.algorithms()].sort()).toEqual(['ES256', 'HS256']);
  });

  it('publishes only public keys', () => {
    const ring = createKeyRing({
      signingKey: generateJwtKey('ES256'),
      verificationKeys: [generateJwtKey('HS256')],
    });
    const jwks = ring.toPublicJwks();
    expect(jwks.keys).toHaveLength(1);
    expect(jwks.keys[0]).not.toHaveProperty('d');
  });

  it('a verify-only ring signs nothing', () => {
    const ring = createKeyRing({ verificationKeys: [publicKeyOf(generateJwtKey('ES256'))] });
    const signer = createJwtSigner({ key: ring, ttlSeconds: 60 });
    expect(codeOf(() => signer.sign())).toBe('ERR_KEYRING_INVALID');
  });
});

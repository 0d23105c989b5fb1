import { describe, expect, it } from 'vitest';
import { codeOf } from '../../test/support/errors.js';
import { createFixedClock } from '../core/clock.js';
import { generateJwtKey } from './key-generate.js';
import { createKeyRing } from './key-ring.js';
import { signJwt } from './sign.js';
import { createJwtVerifier } from './verify.js';

const T0 = 1_700_000_000;

describe('verified-token cache', () => {
  it('a hit returns the frozen result of the first verification', () => {
    const key = generateJwtKey('ES256');
    const verifier = createJwtVerifier({
      keys: [key],
      clock: createFixedClock(T0 * 1000),
      cacheSize: 10,
    });
    const token = signJwt({ sub: 'u', exp: T0 + 60 }, key);
    const first = verifier.verify(token);
    expect(verifier.verify(token)).toBe(first);
    expect(Object.isFrozen(first.payload)).toBe(true);
    expect(() => {
      (first.payload as { sub: string }).sub = 'admin';
    }).toThrow(TypeError);
  });

  it('re-checks every claim on a hit: the token expires in the cache exactly as outside it', () => {
    const key = generateJwtKey('ES256');
    const clock = createFixedClock(T0 * 1000);
    const verifier = createJwtVerifier({ keys: [key], clock, cacheSize: 10, audience: 'api' });
    const token = signJwt({ aud: 'api', exp: T0 + 60 }, key);
    verifier.verify(token);
    clock.setMs((T0 + 59) * 1000);
    expect(codeOf(() => verifier.verify(token))).toBeNull();
    clock.setMs((T0 + 60) * 1000);
    expect(codeOf(() => verifier.verify(token))).toBe('ERR_JWT_EXPIRED');
    clock.setMs((T0 + 59) * 1000);
    // The failed hit dropped the entry; a fresh verification still succeeds before exp.
    expect(codeOf(() => verifier.verify(token))).toBeNull();
  });

  it('a key removed from the ring makes its cached tokens fail', () => {
    const old = generateJwtKey('ES256', { kid: 'old' });
    const ring = createKeyRing({
      signingKey: generateJwtKey('ES256', { kid: 'new' }),
      verificationKeys: [old],
    });
    const verifier = createJwtVerifier({
      keys: ring,
      clock: createFixedClock(T0 * 1000),
      cacheSize: 10,
    });
    const token = signJwt({ exp: T0 + 60 }, old);
    expect(verifier.verify(token).key.kid).toBe('old');
    ring.remove('old');
    expect(codeOf(() => verifier.verify(token))).toBe('ERR_JWS_KEY_NOT_FOUND');
  });

  it('never caches a failure, and a tampered token is never a hit', () => {
    const key = generateJwtKey('HS256');
    const verifier = createJwtVerifier({
      keys: [key],
      clock: createFixedClock(T0 * 1000),
      cacheSize: 10,
    });
    const token = signJwt({ exp: T0 + 60, sub: 'u' }, key);
    verifier.verify(token);
    const at = token.length - 10;
    const tampered = `${token.slice(0, at)}${token[at] === 'A' ? 'B' : 'A'}${token.slice(at + 1)}`;
    expect(codeOf(() => verifier.verify(tampered))).toBe('ERR_JWS_SIGNATURE_INVALID');
    expect(codeOf(() => verifier.verify(tampered))).toBe('ERR_JWS_SIGNATURE_INVALID');
  });

  it('holds at most cacheSize entries: the oldest is verified again', () => {
    const key = generateJwtKey('HS256');
    const verifier = createJwtVerifier({
      keys: [key],
      clock: createFixedClock(T0 * 1000),
      cacheSize: 2,
    });
    const tokens = [1, 2, 3].map((n) => signJwt({ exp: T0 + 60, n }, key));
    const results = tokens.map((t) => verifier.verify(t));
    expect(verifier.verify(tokens[2] as string)).toBe(results[2]);
    expect(verifier.verify(tokens[1] as string)).toBe(results[1]);
    const again = verifier.verify(tokens[0] as string);
    expect(again).not.toBe(results[0]);
    expect(again.payload).toEqual(results[0]?.payload);
  });

  it('validates cacheSize', () => {
    const key = generateJwtKey('HS256');
    expect(codeOf(() => createJwtVerifier({ keys: [key], cacheSize: -1 }))).toBe(
      'ERR_CONFIG_INVALID',
    );
    expect(codeOf(() => createJwtVerifier({ keys: [key], cacheSize: 1.5 }))).toBe(
      'ERR_CONFIG_INVALID',
    );
  });
});
